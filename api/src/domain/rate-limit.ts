// Fixed-window failure counters kept in PostgreSQL, so the limit holds across replicas.
import type { PrismaClient } from "../generated/prisma/client.js";

export interface RateLimitRule {
  maxFailures: number;
  windowSeconds: number;
}

/** Seconds until the window closes when the key is over its limit, else null. */
export async function blockedFor(prisma: PrismaClient, key: string, rule: RateLimitRule, now = new Date()): Promise<number | null> {
  const row = await prisma.rateLimitWindow.findUnique({ where: { key } });
  if (!row) return null;
  const endsAt = row.windowStart.getTime() + rule.windowSeconds * 1000;
  if (endsAt <= now.getTime() || row.count < rule.maxFailures) return null;
  return Math.ceil((endsAt - now.getTime()) / 1000);
}

/** Counts one failure; a window that has passed starts again at 1. One statement, race-free. */
export async function recordFailure(prisma: PrismaClient, key: string, rule: RateLimitRule): Promise<void> {
  await prisma.$executeRaw`
    INSERT INTO rate_limit_window (key, window_start, count) VALUES (${key}, now(), 1)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN rate_limit_window.window_start <= now() - make_interval(secs => ${rule.windowSeconds})
                   THEN 1 ELSE rate_limit_window.count + 1 END,
      window_start = CASE WHEN rate_limit_window.window_start <= now() - make_interval(secs => ${rule.windowSeconds})
                   THEN now() ELSE rate_limit_window.window_start END`;
}
