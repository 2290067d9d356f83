// The activation request waiting for its response, kept in ALGA_STATE_DIR (offline-request.json, 0600,
// written atomically) from offline-request until offline-apply has written the seeds. A response is
// accepted only for it: its nonce, this appliance id and this appliance key. Once applied it is
// dropped, so the same response (or an older one) is refused afterwards as answering no pending request.
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { writeStateFile } from "./state-file.js";

export const PENDING_REQUEST_FILE = "offline-request.json";

export interface PendingActivation {
  kind: "activation";
  nonce: string;
  applianceId: string;
  /** the appliance key's thumbprint the response must be bound to */
  jkt: string;
  codeDigest: string;
  createdAt: string;
  /** the request file as written, so it can be shown again */
  request: string;
}

const fileIn = (stateDir: string) => path.join(stateDir, PENDING_REQUEST_FILE);

export function keepPendingActivation(stateDir: string, p: PendingActivation): void {
  writeStateFile(fileIn(stateDir), `${JSON.stringify(p, null, 2)}\n`);
}

/** The pending activation, or null (none, or a torn/foreign file). */
export function pendingActivation(stateDir: string): PendingActivation | null {
  const file = fileIn(stateDir);
  if (!existsSync(file)) return null;
  try {
    const p = JSON.parse(readFileSync(file, "utf8")) as Partial<PendingActivation>;
    return p.kind === "activation" && typeof p.nonce === "string" && typeof p.applianceId === "string" && typeof p.jkt === "string"
      ? (p as PendingActivation)
      : null;
  } catch {
    return null;
  }
}

export function forgetPendingActivation(stateDir: string): void {
  rmSync(fileIn(stateDir), { force: true });
}
