// The path to PostgreSQL stops answering without closing — a firewall or NAT dropping packets, a
// network partition — under check-in and registration load over 2 replicas: a blackholing TCP proxy
// sits between the replicas and the suite's own PostgreSQL. Every request is answered within the
// client query timeout with the retryable SERVICE_UNAVAILABLE (not SERVICE_BUSY, not the caller's own
// timeout); readiness fails within its probe's timeout while liveness stays up (nothing restarts a
// replica for an outage); once the path heals the same processes serve again within seconds — the
// connections that died with the path are discarded, not handed out again — and no write is half done.
import { installAppliances } from "./helpers/appliances.js";
import { halfWrittenRows } from "./helpers/database.js";
import { describeTally, ms, percentile, seconds, setting, table, tally } from "./helpers/figures.js";
import { RETRYABLE, retryableProblems } from "./helpers/http.js";
import { startMixedLoad, type Sent } from "./helpers/mixed-load.js";
import { linesOf, startReplicas, type Replica } from "./helpers/replicas.js";
import { startWorld, type World } from "./helpers/world.js";
import { startFaultyProxy, throughProxy, type FaultyProxy } from "../helpers/faulty-proxy.js";

const DARK_MS = setting("BLACKHOLE_SECONDS", 20) * 1000;
const CONCURRENCY = setting("BLACKHOLE_CONCURRENCY", 16);
const APPLIANCES = 24;
// the product's defaults: DATABASE_STATEMENT_TIMEOUT_MS 15000 (+1 s client margin), DATABASE_POOL_TIMEOUT_MS 3000
const QUERY_TIMEOUT_MS = 16_000;
const POOL_TIMEOUT_MS = 3000;

let w: World;
let proxy: FaultyProxy;
let replicas: Replica[] = [];
beforeAll(async () => {
  w = await startWorld({ label: "blackhole", replicas: 0 });
  const { hostname, port } = new URL(w.db.url);
  proxy = await startFaultyProxy(`tcp://${hostname}:${port}`);
  replicas = await startReplicas(2, { ...w.env, DATABASE_URL: throughProxy(w.db.url, proxy), LOG_LEVEL: "debug" });
});
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop("SIGKILL")));
  await proxy?.stop();
  await w?.stop();
});

/** Each replica's /readyz and /healthz once a second: status and how long the answer took. */
function watchProbes() {
  const seen: { replica: number; path: string; at: number; status: number; ms: number }[] = [];
  let stop = false;
  const done = Promise.all(
    replicas.flatMap((r, replica) =>
      ["/readyz", "/healthz"].map(async (path) => {
        while (!stop) {
          const t0 = Date.now();
          const res = await fetch(`${r.url}${path}`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
          seen.push({ replica, path, at: t0, status: res?.status ?? 0, ms: Date.now() - t0 });
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }),
    ),
  );
  return {
    async stop() {
      stop = true;
      await done;
      return seen;
    },
  };
}

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

test(`the path to PostgreSQL blackholed ${DARK_MS / 1000} s under load over 2 replicas: bounded SERVICE_UNAVAILABLE answers, readiness fails fast, recovery within seconds without a restart`, async () => {
  const appliances = await installAppliances(replicas[0]!.url, w.keys.store, APPLIANCES, "blackhole");
  const pids = replicas.map((r) => r.pid);
  // a caller's own patience (60 s) is longer than any bounded answer
  const load = startMixedLoad({
    replicas,
    appliances,
    storeKey: w.keys.store,
    concurrency: CONCURRENCY,
    idPrefix: "bh",
    companyPrefix: "Blackhole",
    pauseMs: 200,
    timeoutMs: 60_000,
  });
  const probes = watchProbes();
  await sleep(4000);

  proxy.blackhole(true);
  const darkAt = Date.now();
  await sleep(DARK_MS);
  proxy.blackhole(false);
  const healedAt = Date.now();
  await sleep(QUERY_TIMEOUT_MS + 10_000);
  const sent = await load.stop();
  const seen = await probes.stop();

  const during = sent.filter((s) => s.start >= darkAt && s.start < healedAt);
  const failedDuring = during.filter((s) => s.answer.kind !== "ok");
  const problems: string[] = [];
  for (const s of sent) {
    if (s.answer.kind === "ok") continue;
    if (!RETRYABLE.has(s.answer.kind)) problems.push(`${s.op} ${s.id}: ${s.answer.kind} ${s.answer.raw ?? JSON.stringify(s.answer.errors)}`);
    else for (const p of retryableProblems(s.answer)) problems.push(`${s.op} ${s.id}: ${s.answer.kind} with ${p}`);
  }
  const firstOk = replicas.map((_, r) => {
    const first = sent.filter((s) => s.replica === r && s.start >= healedAt && s.answer.kind === "ok").sort((a, b) => a.end - b.end)[0];
    return first ? first.end - healedAt : undefined;
  });
  // every request started after this answered ok (per replica): when the pool had recovered completely
  const allOkFrom = replicas.map((_, r) => {
    const failedAfter = sent.filter((s) => s.replica === r && s.start >= healedAt && s.answer.kind !== "ok").sort((a, b) => b.start - a.start)[0];
    return failedAfter ? failedAfter.end - healedAt : 0;
  });
  const readyDown = replicas.map(
    (_, r) => seen.filter((p) => p.replica === r && p.path === "/readyz" && p.at >= darkAt && p.status === 503).sort((a, b) => a.at - b.at)[0],
  );
  const readyUp = replicas.map(
    (_, r) => seen.filter((p) => p.replica === r && p.path === "/readyz" && p.at >= healedAt && p.status === 200).sort((a, b) => a.at - b.at)[0],
  );
  const liveDuring = seen.filter((p) => p.path === "/healthz" && p.at >= darkAt && p.at < healedAt);
  const slowestProbe = Math.max(...seen.filter((p) => p.path === "/readyz").map((p) => p.ms));
  // what each replica's probe logged, relative to the blackhole
  const probeLog = replicas.map((r) =>
    r
      .logs()
      .filter((l) => /probe/.test(l.msg) && (l.msg !== "database probe failed again" || Date.parse(String(l.time)) > healedAt))
      .map(
        (l) =>
          `${l.msg} at ${seconds(Date.parse(String(l.time)) - darkAt)}${l.reason ? ` (${String(l.reason)}${l.ms === undefined ? "" : `, ${String(l.ms)} ms`})` : ""}`,
      )
      .join("; "),
  );
  const busy = failedDuring
    .filter((s) => s.answer.kind === "SERVICE_BUSY")
    .map(
      (s) =>
        `${s.op} ${s.id} after ${seconds(s.end - darkAt)}: ${linesOf(replicas, s.id)
          .map((l) => l.err?.message ?? l.msg)
          .join(" / ")}`,
    );
  const half = await halfWrittenRows(w.db.pool);
  const halfTotal = Object.values(half).reduce((a, b) => a + b, 0);
  const okRegs = sent.filter((s) => s.op === "registerTenant" && s.answer.kind === "ok");
  const { rows: regs } = await w.db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM audit_event WHERE action = 'tenant.registered' AND request_id = ANY($1::text[])`,
    [okRegs.map((s) => s.id)],
  );

  const phase = (name: string, list: Sent[]) => {
    const failures = list.filter((s) => s.answer.kind !== "ok");
    return {
      phase: name,
      requests: list.length,
      answers: describeTally(tally(list.map((s) => s.answer.kind))),
      "failed answers p50 / p99 / slowest": failures.length
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
          )} / ${ms(Math.max(...failures.map((s) => s.answer.ms)))}`
        : "-",
    };
  };
  table(
    `Blackholed path to PostgreSQL (${CONCURRENCY} callers over 2 replicas through a TCP proxy that stops forwarding without closing; product defaults: pool 10, statement timeout 15 s + 1 s client margin, pool timeout 3 s, probe timeout 1 s)`,
    [
      phase(
        "before",
        sent.filter((s) => s.start < darkAt),
      ),
      phase(`blackholed ${seconds(healedAt - darkAt)}`, during),
      phase(
        "after the heal",
        sent.filter((s) => s.start >= healedAt),
      ),
    ],
    [
      `Readiness 503 after the blackhole began: ${readyDown.map((p) => (p ? seconds(p.at + p.ms - darkAt) : "never")).join(", ")}; ready again after the heal: ${readyUp.map((p) => (p ? seconds(p.at + p.ms - healedAt) : "never")).join(", ")}; slowest /readyz answer ${ms(slowestProbe)}. Liveness during the blackhole: ${describeTally(tally(liveDuring.map((p) => String(p.status))))}.`,
      `First ok per replica after the heal: ${firstOk.map((v) => (v === undefined ? "never" : seconds(v))).join(", ")}; last failure answered (then every request ok): ${allOkFrom.map(seconds).join(", ")} after the heal.`,
      `Probe log: ${probeLog.map((l, i) => `r${i + 1}: ${l || "-"}`).join(" | ")}.${busy.length ? ` SERVICE_BUSY answers: ${busy.join("; ")}.` : ""}`,
      `Acknowledged registrations found: ${regs[0]!.n}/${okRegs.length}. Half-written rows: ${halfTotal}. Replica processes: ${replicas.map((r) => (r.child.exitCode === null ? `pid ${r.pid} running` : `exited ${r.child.exitCode}`)).join(", ")} (started as ${pids.join(", ")}).`,
    ],
  );

  expect(problems.slice(0, 20)).toEqual([]);
  expect(failedDuring.length).toBeGreaterThan(0); // the probe did take the path away
  // an outage is said as one: no SERVICE_BUSY once the probe has seen it (its first interval aside)
  const busyLate = failedDuring.filter((s) => s.answer.kind === "SERVICE_BUSY" && s.end > darkAt + 3000);
  expect(busyLate.map((s) => s.id)).toEqual([]);
  // bounded: a client query timeout and a wait for the pool at most (plus loaded cores)
  expect(Math.max(...sent.map((s) => s.answer.ms))).toBeLessThan(QUERY_TIMEOUT_MS + POOL_TIMEOUT_MS + 5000);
  expect(readyDown.every((p) => p && p.at + p.ms - darkAt < 5000)).toBe(true);
  expect(slowestProbe).toBeLessThan(3000); // the chart's readiness timeoutSeconds
  expect(liveDuring.every((p) => p.status === 200)).toBe(true);
  expect(firstOk.every((v) => v !== undefined && v < QUERY_TIMEOUT_MS + 5000)).toBe(true);
  expect(allOkFrom.every((v) => v < QUERY_TIMEOUT_MS + 5000)).toBe(true);
  expect(readyUp.every((p) => p !== undefined)).toBe(true);
  expect(regs[0]!.n).toBe(okRegs.length);
  expect(half).toEqual(Object.fromEntries(Object.keys(half).map((k) => [k, 0])));
  expect(replicas.map((r) => r.child.exitCode)).toEqual([null, null]);
});
