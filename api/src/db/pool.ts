// The one connection pool of a process: the domain's SQL and Prisma's read graph share it, so its
// size (DATABASE_POOL_SIZE) is the process's whole claim on the database.
import pg from "pg";
import type { Logger } from "pino";
import { poolConfigFromUrl } from "./connection-options.js";

export interface PoolOptions {
  size: number;
  /** waiting longer for a connection (or to open one) fails the call: SERVICE_BUSY / SERVICE_UNAVAILABLE */
  timeoutMs: number;
  statementTimeoutMs?: number;
  applicationName?: string;
  log?: Logger;
}

export function createPool(databaseUrl: string, o: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    ...poolConfigFromUrl(databaseUrl),
    max: o.size,
    connectionTimeoutMillis: o.timeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: o.applicationName ?? "alga-license",
    ...(o.statementTimeoutMs ? { statement_timeout: o.statementTimeoutMs } : {}),
    keepAlive: true,
  });
  // An idle connection dropped by the server (restart, failover) is an event, not a crash.
  pool.on("error", (err) => o.log?.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, "idle database connection lost"));
  return pool;
}
