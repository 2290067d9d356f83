// Periodic clean-up shared by all replicas (idempotent statements, safe to run concurrently):
// sealed install codes kept for idempotent replays are wiped once their code can no longer be used,
// and rate-limit windows that have passed are dropped.
import type { Logger } from "pino";
import type { PrismaClient } from "../generated/prisma/client.js";

export async function purgeExpiredSecrets(prisma: PrismaClient, rateLimitWindowSeconds: number): Promise<{ codes: number; windows: number }> {
  const codes = await prisma.$executeRaw`
    UPDATE idempotency_key k SET sealed_code = NULL
      FROM install_code c
     WHERE k.install_code_id = c.id AND k.sealed_code IS NOT NULL
       AND (c.expires_at <= now() OR c.consumed_at IS NOT NULL OR c.revoked_at IS NOT NULL)`;
  const windows = await prisma.$executeRaw`
    DELETE FROM rate_limit_window WHERE window_start <= now() - make_interval(secs => ${rateLimitWindowSeconds})`;
  return { codes, windows };
}

export function startHousekeeping(prisma: PrismaClient, rateLimitWindowSeconds: number, log: Logger, intervalMs = 10 * 60_000) {
  const run = () =>
    purgeExpiredSecrets(prisma, rateLimitWindowSeconds).then(
      (r) => (r.codes || r.windows) && log.info(r, "housekeeping"),
      (err: unknown) => log.warn({ err }, "housekeeping failed"),
    );
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
