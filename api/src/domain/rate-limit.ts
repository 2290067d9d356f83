// Failure limits kept in PostgreSQL, so they hold across replicas. An attempt is reserved atomically
// before it is judged (a burst cannot all pass a check-then-record), and given back when it succeeded
// or failed for a reason that is not a guess.
import { releaseAttempt, reserveAttempt } from "../data/rate-limits.js";
import { DomainError, type ErrorCode } from "./errors.js";
import type { Services } from "./services.js";

const at = (d: Date) =>
  d
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");

export async function withFailureLimit<T>(s: Services, key: string, countsAsFailure: ReadonlySet<ErrorCode>, attempt: () => Promise<T>): Promise<T> {
  const rule = s.redeemRateLimit;
  const now = s.clock();
  const reservation = await reserveAttempt(s.db, key, rule.windowSeconds, now);
  if (reservation.count > rule.maxFailures) {
    const endsAt = new Date(reservation.windowStart.getTime() + rule.windowSeconds * 1000);
    const retryAfterSeconds = Math.max(1, Math.ceil((endsAt.getTime() - now.getTime()) / 1000));
    throw new DomainError(
      "RATE_LIMITED",
      `Too many failed install-code attempts from this network address (${rule.maxFailures} in ${Math.round(rule.windowSeconds / 60)} minutes). ` +
        `The code itself may be fine: try again in ${retryAfterSeconds} seconds (after ${at(endsAt)}).`,
      { retryAfterSeconds, retryAt: endsAt.toISOString() },
    );
  }
  const giveBack = () => releaseAttempt(s.db, key, reservation.windowStart).catch(() => {});
  try {
    const result = await attempt();
    await giveBack();
    return result;
  } catch (err) {
    if (!(err instanceof DomainError && countsAsFailure.has(err.code))) await giveBack();
    throw err;
  }
}
