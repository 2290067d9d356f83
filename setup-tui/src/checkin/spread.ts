// A fleet, not a loop: each appliance waits a delay derived from its own identity before checking in,
// the same every day, so appliances whose CronJobs fire at the same minute reach the service spread
// over the window instead of all at once. Deterministic: an appliance keeps its slot across runs.
import { createHash } from "node:crypto";

export function spreadDelaySeconds(tenantId: string, applianceId: string, windowSeconds: number): number {
  if (windowSeconds <= 0) return 0;
  const digest = createHash("sha256").update(`${tenantId}/${applianceId}`).digest();
  return digest.readUIntBE(0, 6) % windowSeconds;
}
