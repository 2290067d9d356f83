// The one connection pool of a process: the domain's SQL and Prisma's read graph share it, so its
// size (DATABASE_POOL_SIZE) is the process's whole claim on the database — and every session it opens
// is bounded, so a dead path, a held lock or a vanished client costs seconds, not the pool:
// - statement_timeout (DATABASE_STATEMENT_TIMEOUT_MS), and the client gives a query up
//   QUERY_TIMEOUT_MARGIN_MS later: a path that stops answering without closing (a blackhole) would
//   otherwise hold the connection until TCP gives up (~15 min). Such a connection is discarded, never
//   handed to the next caller (its answer may still arrive);
// - lock_timeout (DATABASE_LOCK_TIMEOUT_MS): a caller waiting on a row another session holds gives up
//   (SERVICE_BUSY) instead of holding a pool connection while it waits, so one tenant's held row costs
//   only that tenant's callers;
// - idle_in_transaction_session_timeout (DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS): the server ends a
//   session left inside a transaction (its client killed, its close lost on the path) and frees its rows;
// - TCP keepalive after KEEPALIVE_IDLE_MS, so a dead idle connection is noticed. (A TCP user timeout
//   would bound unacknowledged writes too, but neither pg nor Node's net.Socket can set one: the client
//   query timeout covers that case.)
import pg from "pg";
import type { Logger } from "pino";
import { poolConfigFromUrl } from "./connection-options.js";

export interface PoolOptions {
  size: number;
  /** waiting longer for a connection (or to open one) fails the call: SERVICE_BUSY / SERVICE_UNAVAILABLE */
  timeoutMs: number;
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
  idleInTransactionTimeoutMs?: number;
  applicationName?: string;
  log?: Logger;
}

/** how much longer than statement_timeout the client waits for a query's answer */
export const QUERY_TIMEOUT_MARGIN_MS = 1000;
const KEEPALIVE_IDLE_MS = 10_000;

/** The client-side query timeout of a pool with these options (undefined: none). */
export const queryTimeoutMs = (o: Pick<PoolOptions, "statementTimeoutMs">) =>
  o.statementTimeoutMs ? o.statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS : undefined;

// pg's message when query_timeout fires
const QUERY_TIMEOUT = "Query read timeout";

/**
 * pg abandons a query that outlived query_timeout but keeps its connection, with the query still
 * pending on it: the next query on that connection would wait behind it. This client ends itself
 * instead (pg destroys the socket of a client ended with a query pending), so the pool discards it
 * whoever checked it out — our transactions, pool.query or Prisma's adapter.
 */
class BoundedClient extends pg.Client {
  constructor(config?: pg.ClientConfig) {
    super(config);
    const query = super.query.bind(this) as (...args: unknown[]) => unknown;
    const giveUp = (err: unknown) => {
      if (err instanceof Error && err.message === QUERY_TIMEOUT) void this.end().catch(() => {});
    };
    // every form of pg's overloaded query(): promise, callback, submittable
    const bounded = (...args: unknown[]) => {
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === "function") {
        args[last] = (err: unknown, res: unknown) => {
          giveUp(err);
          (callback as (err: unknown, res: unknown) => void)(err, res);
        };
      }
      const result = query(...args);
      if (result instanceof Promise) result.catch(giveUp);
      return result;
    };
    this.query = bounded as unknown as pg.Client["query"];
  }
}

export function createPool(databaseUrl: string, o: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    ...poolConfigFromUrl(databaseUrl),
    Client: BoundedClient,
    max: o.size,
    connectionTimeoutMillis: o.timeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: o.applicationName ?? "alga-license",
    ...(o.statementTimeoutMs ? { statement_timeout: o.statementTimeoutMs, query_timeout: queryTimeoutMs(o) } : {}),
    ...(o.lockTimeoutMs ? { lock_timeout: o.lockTimeoutMs } : {}),
    ...(o.idleInTransactionTimeoutMs ? { idle_in_transaction_session_timeout: o.idleInTransactionTimeoutMs } : {}),
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
  });
  // An idle connection dropped by the server (restart, failover) is an event, not a crash.
  pool.on("error", (err) => o.log?.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, "idle database connection lost"));
  return pool;
}
