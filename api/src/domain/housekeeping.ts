// Periodic clean-up shared by all replicas (idempotent statements, safe to run concurrently):
// sealed install codes kept for idempotent replays are wiped once their code can no longer be used,
// rate-limit windows that have passed are dropped, and so are the nonces of offline requests that are
// refused as stale anyway.
import type { Logger } from "pino";
import { purgeWindows } from "../data/rate-limits.js";
import type { Queryable } from "../db/sql.js";

export async function purgeExpiredSecrets(q: Queryable, rateLimitWindowSeconds: number, now = new Date()): Promise<{ codes: number; windows: number }> {
  const { rowCount } = await q.query(
    `UPDATE idempotency_key k SET sealed_code = NULL
       FROM install_code c
      WHERE k.install_code_id = c.id AND k.sealed_code IS NOT NULL
        AND (c.expires_at <= $1 OR c.consumed_at IS NOT NULL OR c.revoked_at IS NOT NULL)`,
    [now],
  );
  const windows = await purgeWindows(q, rateLimitWindowSeconds, now);
  return { codes: rowCount ?? 0, windows };
}

/**
 * Nonces of answered offline requests dated (by the appliance) before the accepted window plus a day:
 * such a request handed in again is refused as stale before its nonce is looked at.
 */
export async function purgeAnsweredNonces(q: Queryable, requestMaxAgeSeconds: number, now = new Date()): Promise<number> {
  const { rowCount } = await q.query(`DELETE FROM offline_request_nonce WHERE issued_at < $1`, [
    new Date(now.getTime() - (requestMaxAgeSeconds + 86400) * 1000),
  ]);
  return rowCount ?? 0;
}

export function startHousekeeping(
  q: Queryable,
  rateLimitWindowSeconds: number,
  log: Logger,
  intervalMs = 10 * 60_000,
  offlineRequestMaxAgeSeconds = 30 * 86400,
) {
  const run = () =>
    Promise.all([purgeExpiredSecrets(q, rateLimitWindowSeconds), purgeAnsweredNonces(q, offlineRequestMaxAgeSeconds)]).then(
      ([r, nonces]) => (r.codes || r.windows || nonces) && log.info({ ...r, nonces }, "housekeeping"),
      (err: unknown) => log.warn({ err }, "housekeeping failed"),
    );
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
