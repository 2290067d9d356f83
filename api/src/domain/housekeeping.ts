// Periodic clean-up shared by all replicas (idempotent statements, safe to run concurrently):
// sealed install codes kept for idempotent replays are wiped once their code can no longer be used,
// and rate-limit windows that have passed are dropped.
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

export function startHousekeeping(q: Queryable, rateLimitWindowSeconds: number, log: Logger, intervalMs = 10 * 60_000) {
  const run = () =>
    purgeExpiredSecrets(q, rateLimitWindowSeconds).then(
      (r) => (r.codes || r.windows) && log.info(r, "housekeeping"),
      (err: unknown) => log.warn({ err }, "housekeeping failed"),
    );
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
