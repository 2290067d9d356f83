// The database goes away under check-in and registration load: a PostgreSQL of this probe's own
// (initdb into a temp folder, its own port — never a shared server) is crashed and restarted, then
// stopped for a while and started again. Every answer must be data or a retryable contract code
// (HTTP 503, Retry-After, a request id), every failed request is logged once with its detail, the
// replicas recover on their own (same processes), and no write is left half done.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../api/src/db/embedded-postgres.js";
import { installAppliances, jtiOf } from "./helpers/appliances.js";
import { halfWrittenRows } from "./helpers/database.js";
import { describeTally, ms, percentile, seconds, setting, table, tally } from "./helpers/figures.js";
import { RETRYABLE, retryableProblems } from "./helpers/http.js";
import { startMixedLoad, type Sent } from "./helpers/mixed-load.js";
import { linesOf } from "./helpers/replicas.js";
import { startWorld, type World } from "./helpers/world.js";

const OUTAGE_MS = setting("OUTAGE_SECONDS", 15) * 1000;
const CONCURRENCY = setting("OUTAGE_CONCURRENCY", 16);
const APPLIANCES = 24;

let dir: string;
let pg: EmbeddedPostgres;
let w: World;
const startPg = (port?: number) => startEmbeddedPostgres({ dataDir: path.join(dir, "pgdata"), port, settings: { max_connections: 100, fsync: "off" } });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "alga-rel-outage-"));
  chmodSync(dir, 0o755);
  pg = await startPg();
  w = await startWorld({ label: "outage", replicas: 2, adminUrl: pg.url, env: { DATABASE_POOL_SIZE: "5" } });
});
afterAll(async () => {
  await w?.stop();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

/** When each replica answered ok again after `since` (ms after it), or undefined. */
function recoveredAfter(sent: Sent[], since: number): (number | undefined)[] {
  return w.replicas.map((_, r) => {
    const first = sent.filter((s) => s.replica === r && s.start >= since && s.answer.kind === "ok").sort((a, b) => a.end - b.end)[0];
    return first ? first.end - since : undefined;
  });
}

test(`PostgreSQL crashed and restarted, then stopped ${OUTAGE_MS / 1000} s, under load over 2 replicas: retryable answers, logged once, recovery without restart, no half-written rows`, async () => {
  const appliances = await installAppliances(w.replicas[0]!.url, w.keys.store, APPLIANCES, "outage");
  const pids = w.replicas.map((r) => r.pid);
  const load = startMixedLoad({
    replicas: w.replicas,
    appliances,
    storeKey: w.keys.store,
    concurrency: CONCURRENCY,
    idPrefix: "out",
    companyPrefix: "Outage",
    pauseMs: 100,
  });
  await sleep(3000);

  // 1. crash (SIGQUIT: no shutdown checkpoint, crash recovery at start) and restart at once
  const crashAt = Date.now();
  await pg.stop("immediate");
  pg = await startPg(pg.port);
  const crashBackAt = Date.now();
  await sleep(6000);

  // 2. stopped (fast shutdown: open transactions are aborted) for OUTAGE_MS, then started again
  const stopAt = Date.now();
  await pg.stop("fast");
  await sleep(OUTAGE_MS);
  pg = await startPg(pg.port);
  const backAt = Date.now();
  await sleep(8000);
  const sent = await load.stop();

  // answers
  const problems: string[] = [];
  for (const s of sent) {
    if (s.answer.kind === "ok") continue;
    if (!RETRYABLE.has(s.answer.kind)) problems.push(`${s.op} ${s.id}: ${s.answer.kind} ${s.answer.raw ?? JSON.stringify(s.answer.errors)}`);
    else for (const p of retryableProblems(s.answer)) problems.push(`${s.op} ${s.id}: ${s.answer.kind} with ${p}`);
  }
  // each failed request: exactly one warn/error line (with the error's detail) carrying its request id;
  // its access line is info, like every request's
  const failed = sent.filter((s) => s.answer.kind !== "ok");
  const detailLines = failed.map((s) => linesOf(w.replicas, s.id).filter((l) => l.level >= 40).length);
  const notLogged = detailLines.filter((n) => n === 0).length;
  const loggedTwice = detailLines.filter((n) => n > 1).length;
  const requestIdMismatch = failed.filter((s) => s.answer.requestId !== s.id).length;

  // what the callers were told happened, did happen (and nothing else half happened)
  const okRegs = sent.filter((s) => s.op === "registerTenant" && s.answer.kind === "ok");
  const { rows: regs } = await w.db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit_event WHERE action = 'tenant.registered' AND request_id = ANY($1::text[])`,
    [okRegs.map((s) => s.id)],
  );
  const okCheckIns = sent.filter((s) => s.op === "checkIn" && s.answer.kind === "ok");
  const { rows: jtis } = await w.db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit_event WHERE action = 'appliance.checked_in' AND details->>'licenseJti' = ANY($1::text[])`,
    [okCheckIns.map((s) => jtiOf(s.answer.data.checkIn.token))],
  );
  const half = await halfWrittenRows(w.db.pool);
  const halfTotal = Object.values(half).reduce((a, b) => a + b, 0);

  const phase = (from: number, to: number) => sent.filter((s) => s.start >= from && s.start < to);
  const row = (name: string, list: Sent[], recovery?: (number | undefined)[]) => {
    const failures = list.filter((s) => s.answer.kind !== "ok");
    return {
      phase: name,
      requests: list.length,
      answers: describeTally(tally(list.map((s) => s.answer.kind))),
      "failed answers p50 / p99": failures.length
        ? `${ms(
            percentile(
              failures.map((s) => s.answer.ms),
              0.5,
            ),
          )} / ${ms(
            percentile(
              failures.map((s) => s.answer.ms),
              0.99,
            ),
          )}`
        : "-",
      "first ok per replica after the server is back": recovery ? recovery.map((v) => (v === undefined ? "never" : seconds(v))).join(", ") : "-",
    };
  };
  table(
    `Database outage under load (${CONCURRENCY} callers over 2 replicas, pool 5 each; ${APPLIANCES} appliances checking in, 1 caller in 8 registering)`,
    [
      row("before", phase(0, crashAt)),
      row(`crash + restart (${ms(crashBackAt - crashAt)} down)`, phase(crashAt, crashBackAt + 6000), recoveredAfter(sent, crashBackAt)),
      row(`stopped ${seconds(backAt - stopAt)}`, phase(stopAt, backAt), undefined),
      row("after", phase(backAt, Infinity), recoveredAfter(sent, backAt)),
    ],
    [
      `Failed requests: ${failed.length}; without a detail log line: ${notLogged}; logged more than once: ${loggedTwice}; answer's requestId not the request's: ${requestIdMismatch}.`,
      `Acknowledged registrations found: ${regs[0]!.n}/${okRegs.length}; acknowledged check-ins found: ${jtis[0]!.n}/${okCheckIns.length}. Half-written rows: ${halfTotal}.`,
      `Replica processes: ${w.replicas.map((r) => (r.child.exitCode === null ? `pid ${r.pid} running` : `exited ${r.child.exitCode}`)).join(", ")} (started as ${pids.join(", ")}).`,
    ],
  );

  const died = w.replicas.filter((r) => r.child.exitCode !== null).map((r) => `${r.name}: ${r.stderr().slice(r.stderr().indexOf("\n\n", 200))}`);
  expect(died).toEqual([]);
  expect(half).toEqual(Object.fromEntries(Object.keys(half).map((k) => [k, 0])));
  expect(problems.slice(0, 20)).toEqual([]);
  expect({ notLogged, loggedTwice, requestIdMismatch }).toEqual({ notLogged: 0, loggedTwice: 0, requestIdMismatch: 0 });
  expect(regs[0]!.n).toBe(okRegs.length);
  expect(jtis[0]!.n).toBe(okCheckIns.length);
  expect(half).toEqual(Object.fromEntries(Object.keys(half).map((k) => [k, 0])));
  expect(w.replicas.map((r) => r.child.exitCode)).toEqual([null, null]);
  expect(recoveredAfter(sent, backAt).every((v) => v !== undefined)).toBe(true);
  expect(recoveredAfter(sent, crashBackAt).every((v) => v !== undefined)).toBe(true);
  expect(failed.length).toBeGreaterThan(0); // the probe did take the database away
});
