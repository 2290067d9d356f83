// Classifies infrastructure failures (pg, pool, Prisma) so the edge answers a retryable contract code
// instead of a masked 500: SERVICE_BUSY when the database is up but saturated, SERVICE_UNAVAILABLE
// when it cannot be reached. Anything else stays an internal error.
// A timeout on the client's side (no pool connection in time, no connection opened in time, no answer
// to a query in time) says neither by itself: the database's own probe (db/health.ts) decides — while
// it answers, the timeout is saturation; while it does not (a dead or blackholed path), an outage.
export type Failure = "SERVICE_BUSY" | "SERVICE_UNAVAILABLE";

const UNAVAILABLE_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE"]);
// 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 08xxx connection exceptions
const UNAVAILABLE_SQLSTATE = /^(08\w{3}|57P0[123])$/;
// 53300 too many connections, 53400 configuration limit, 57014 statement timeout, 40001/40P01 serialization/deadlock
const BUSY_SQLSTATE = new Set(["53300", "53400", "57014", "40001", "40P01", "55P03"]);
// refused at connect: 3D000 no such database, 28000/28P01 credentials refused (e.g. a rotated password),
// 55000 with "not accepting connections" (ALLOW_CONNECTIONS false, a database being dropped or restored)
const CONNECT_REFUSED_SQLSTATE = new Set(["3D000", "28000", "28P01"]);
const NOT_ACCEPTING = /not (currently )?accepting connections/i;
const PRISMA_UNAVAILABLE = new Set(["P1001", "P1002", "P1017"]);
const PRISMA_BUSY = new Set(["P2024", "P2028", "P2034"]);

// the pool's wait for a connection, its wait to open one, pg's query_timeout (and the connection
// pool.ts ends after one, for a caller that goes on using it)
const CLIENT_TIMEOUT =
  /timeout exceeded when trying to connect|Connection terminated due to connection timeout|Query read timeout|Client was closed and is not queryable/i;

/** A client-side timeout (anywhere in the cause chain): what it was depends on whether the database answers. */
export function isClientTimeout(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = err; e && typeof e === "object" && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    if (CLIENT_TIMEOUT.test(String((e as { message?: unknown }).message ?? ""))) return true;
  }
  return false;
}

/** `reachable`: whether the database answers its probe now (db/health.ts); it decides client-side timeouts. */
export function classifyFailure(err: unknown, reachable = true): Failure | undefined {
  const seen = new Set<unknown>();
  for (let e = err; e && typeof e === "object" && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const o = e as { code?: unknown; originalCode?: unknown; message?: unknown; kind?: unknown; name?: unknown };
    const code = typeof o.code === "string" ? o.code : typeof o.originalCode === "string" ? o.originalCode : undefined;
    const message = typeof o.message === "string" ? o.message : "";
    if (code && (UNAVAILABLE_ERRNO.has(code) || UNAVAILABLE_SQLSTATE.test(code) || PRISMA_UNAVAILABLE.has(code))) return "SERVICE_UNAVAILABLE";
    if (code && (CONNECT_REFUSED_SQLSTATE.has(code) || (code === "55000" && NOT_ACCEPTING.test(message)))) return "SERVICE_UNAVAILABLE";
    if (code && (BUSY_SQLSTATE.has(code) || PRISMA_BUSY.has(code))) return "SERVICE_BUSY";
    if (CLIENT_TIMEOUT.test(message)) return reachable ? "SERVICE_BUSY" : "SERVICE_UNAVAILABLE";
    if (
      /Connection terminated|connection (was )?(closed|lost)|terminating connection|the database system is (starting up|shutting down)|Client has encountered a connection error/i.test(
        message,
      )
    ) {
      return "SERVICE_UNAVAILABLE";
    }
    if (o.name === "PrismaClientInitializationError") return "SERVICE_UNAVAILABLE";
  }
  return undefined;
}
