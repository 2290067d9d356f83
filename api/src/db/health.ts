// The database as this process sees it, from a connection of its own — never one of the shared pool's,
// whose latency under load says nothing about whether the database is there:
// - probe(): SELECT 1 on a dedicated connection, the whole probe (connecting included) bounded by
//   DATABASE_PROBE_TIMEOUT_MS. Readiness runs it, so does a request that failed on a client-side
//   timeout (reachableNow), and it runs every few seconds in the background: such a timeout is told
//   apart (db/failures.ts) by whether the database answers its probe (saturation, SERVICE_BUSY) or not
//   (an outage or a dead path, SERVICE_UNAVAILABLE).
// - wedged(): every pool connection is checked out and none has come back for longer than any bounded
//   use of one can last (twice the client query timeout plus the pool timeout) while the database
//   answers its probe: the pool cannot recover by itself, liveness fails and the process is restarted.
import pg from "pg";
import type { Logger } from "pino";
import { poolConfigFromUrl } from "./connection-options.js";

export type ProbeResult = { ok: true; ms: number } | { ok: false; ms: number; reason: string };

export interface DatabaseHealth {
  /** a fresh probe (joined by concurrent callers), within the probe timeout */
  probe(): Promise<ProbeResult>;
  /**
   * Whether a client-side timeout that ends now was saturation: the last probe answered, and none failed
   * within `recentMs` (a request that waited through the outage's end still met its dead connections).
   */
  reachable(): boolean;
  /** the same, after a probe finished within the last FRESH_MS (or a new one) */
  reachableNow(): Promise<boolean>;
  /** the pool is stuck while the database answers: how long its connections have all been out */
  wedged(): { wedged: false } | { wedged: true; forMs: number };
  stop(): Promise<void>;
}

export interface HealthOptions {
  probeTimeoutMs: number;
  /** the pool's size (DATABASE_POOL_SIZE) */
  poolSize: number;
  /** all pool connections out, none returned, for longer than this (with the database answering): wedged */
  wedgedAfterMs: number;
  /** how long after a failed probe a client-side timeout still counts as the outage's: the longest wait a request can have (query timeout + pool timeout) */
  recentMs: number;
  /** background probes; default max(2 s, 2 × probe timeout) */
  intervalMs?: number;
  log?: Logger;
}

/** how old a probe's verdict may be for reachableNow() */
const FRESH_MS = 500;

export function startDatabaseHealth(databaseUrl: string, pool: pg.Pool, o: HealthOptions): DatabaseHealth {
  let client: pg.Client | undefined;
  let running: Promise<ProbeResult> | undefined;
  let up = true;
  let probedAt = 0;
  let failedAt = -Infinity;
  let stopped = false;

  const drop = () => {
    const c = client;
    client = undefined;
    // a client stuck on a dead path: end() destroys its socket
    void c?.end().catch(() => {});
  };

  async function once(): Promise<ProbeResult> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${o.probeTimeoutMs} ms (DATABASE_PROBE_TIMEOUT_MS)`)), o.probeTimeoutMs);
    });
    try {
      await Promise.race([
        (async () => {
          if (!client) {
            const c = new pg.Client({
              ...poolConfigFromUrl(databaseUrl),
              application_name: "alga-license probe",
              connectionTimeoutMillis: o.probeTimeoutMs,
              keepAlive: true,
            });
            c.on("error", () => {}); // a dropped probe connection is reopened by the next probe
            client = c;
            await c.connect();
          }
          await client.query("SELECT 1");
        })(),
        deadline,
      ]);
      if (!up) o.log?.info("database answers its probe again");
      up = true;
      return { ok: true, ms: performance.now() - started };
    } catch (err) {
      drop();
      const reason = (err as Error).message;
      if (up) o.log?.warn({ reason }, "database probe failed");
      else o.log?.debug({ reason, ms: Math.round(performance.now() - started) }, "database probe failed again");
      up = false;
      failedAt = Date.now();
      return { ok: false, ms: performance.now() - started, reason };
    } finally {
      clearTimeout(timer);
    }
  }

  const reachable = () => up && Date.now() - failedAt > o.recentMs;
  const probe = () =>
    (running ??= once().finally(() => {
      running = undefined;
      probedAt = Date.now();
    }));
  const timer = setInterval(() => void probe(), o.intervalMs ?? Math.max(2000, 2 * o.probeTimeoutMs));
  timer.unref();

  // when the pool last had all its connections out with none returned since
  let allOutSince: number | undefined;
  pool.on("acquire", () => {
    if (allOutSince === undefined && pool.totalCount >= o.poolSize && pool.idleCount === 0) allOutSince = Date.now();
  });
  pool.on("release", () => (allOutSince = undefined));
  pool.on("remove", () => (allOutSince = undefined));
  let reported = false;

  return {
    probe,
    reachable,
    async reachableNow() {
      if (Date.now() - probedAt >= FRESH_MS) await probe();
      return reachable();
    },
    wedged() {
      const forMs = allOutSince === undefined ? 0 : Date.now() - allOutSince;
      const wedged = forMs > o.wedgedAfterMs && up && !stopped;
      if (wedged && !reported)
        o.log?.error({ forMs, connections: o.poolSize }, "database pool wedged: every connection is out and none came back while the database answers");
      reported = wedged;
      return wedged ? { wedged, forMs } : { wedged: false };
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => {});
      drop();
    },
  };
}
