// One tenant's row held, two ways, under check-in load over 2 replicas on the suite's own PostgreSQL:
// 1. a session holds the row FOR UPDATE for HELD_LOCK_SECONDS: every other tenant's check-in is
//    served; the held tenant's callers are told SERVICE_BUSY after DATABASE_LOCK_TIMEOUT_MS (they wait
//    their Retry-After, as the check-in agent does) instead of holding pool connections while they wait;
// 2. a replica is killed (kill -9) while it reissues install codes (transactions that lock a tenant's
//    row), its path to PostgreSQL blackholed first so its close never arrives: the sessions it left
//    inside a transaction are ended by the server after DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS, and
//    the tenants' check-ins and an admin suspension through the other replica succeed again.
import pg from "pg";
import { installAppliances, type Installed } from "./helpers/appliances.js";
import { describeTally, ms, percentile, seconds, setting, table, tally } from "./helpers/figures.js";
import { CHECK_IN, gql, REISSUE, retryableProblems, type Answer } from "./helpers/http.js";
import { startReplica } from "./helpers/replicas.js";
import { replicaUrl, startWorld, type World } from "./helpers/world.js";
import { startFaultyProxy, throughProxy } from "../helpers/faulty-proxy.js";

const HOLD_MS = setting("HELD_LOCK_SECONDS", 30) * 1000;
const CALLERS = setting("HELD_LOCK_CALLERS", 24);
const HELD_CALLERS = 4;

let w: World;
beforeAll(async () => {
  // product defaults: pool 10, pool timeout 3 s, statement timeout 15 s, lock timeout 2 s, idle in transaction 5 s
  w = await startWorld({ label: "held_lock", replicas: 2 });
});
afterAll(() => w?.stop());

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

/** Check-ins in a loop until `until()`; a caller told to retry waits its Retry-After (capped at 5 s). */
async function checkIns(callers: number, pick: (i: number) => Installed, until: () => boolean, honourRetryAfter: boolean) {
  const out: (Answer & { start: number })[] = [];
  let n = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (!until()) {
        const i = n++;
        const a = pick(i);
        const start = Date.now();
        const answer = await gql(
          replicaUrl(w, i),
          CHECK_IN,
          { input: { applianceId: a.applianceId } },
          { token: a.credential, signal: AbortSignal.timeout(60_000) },
        );
        out.push({ ...answer, start });
        if (answer.kind !== "ok") await sleep(honourRetryAfter ? Math.min(5000, Number(answer.retryAfter ?? 1) * 1000) : 100);
      }
    }),
  );
  return out;
}

const latency = (list: Answer[]) =>
  list.length
    ? `${ms(
        percentile(
          list.map((a) => a.ms),
          0.5,
        ),
      )} / ${ms(
        percentile(
          list.map((a) => a.ms),
          0.99,
        ),
      )} / ${ms(Math.max(...list.map((a) => a.ms)))}`
    : "-";

test(`a tenant row held ${HOLD_MS / 1000} s costs only that tenant's callers; a replica killed mid-transaction frees its rows within the idle-in-transaction timeout`, async () => {
  const appliances = await installAppliances(w.replicas[0]!.url, w.keys.store, 25, "held");
  const [held, ...others] = appliances;

  // 1. a session holds the tenant's row
  const lock = new pg.Client({ connectionString: w.db.url });
  await lock.connect();
  await lock.query("BEGIN");
  await lock.query("SELECT 1 FROM tenant_registry WHERE tenant_id = $1 FOR UPDATE", [held!.tenantId]);
  const until = Date.now() + HOLD_MS;
  let heldAnswers: Awaited<ReturnType<typeof checkIns>>;
  let otherAnswers: Awaited<ReturnType<typeof checkIns>>;
  try {
    [heldAnswers, otherAnswers] = await Promise.all([
      checkIns(
        HELD_CALLERS,
        () => held!,
        () => Date.now() > until,
        true,
      ),
      checkIns(
        CALLERS - HELD_CALLERS,
        (i) => others[i % others.length]!,
        () => Date.now() > until,
        false,
      ),
    ]);
  } finally {
    await lock.query("ROLLBACK");
    await lock.end();
  }
  const heldAfter = await gql(w.replicas[0]!.url, CHECK_IN, { input: { applianceId: held!.applianceId } }, { token: held!.credential });

  // 2. a replica killed inside its transactions, its close lost on a blackholed path
  const { hostname, port } = new URL(w.db.url);
  const proxy = await startFaultyProxy(`tcp://${hostname}:${port}`);
  const victim = await startReplica("victim", { ...w.env, DATABASE_URL: throughProxy(w.db.url, proxy) });
  const targets = others.slice(0, 8);
  let stopReissue = false;
  const reissues = Promise.all(
    targets.map(async (a) => {
      while (!stopReissue) await gql(victim.url, REISSUE, { input: { tenantId: a.tenantId } }, { token: w.keys.admin, signal: AbortSignal.timeout(30_000) });
    }),
  );
  await sleep(3000);
  proxy.blackhole(true);
  victim.child.kill("SIGKILL");
  const killedAt = Date.now();
  stopReissue = true;
  await reissues;
  // the statements in flight finish on the server into "idle in transaction"; nothing else runs transactions now
  await sleep(500);
  const { rows: left } = await w.db.pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'alga-license' AND state LIKE 'idle in transaction%' AND xact_start < $1`,
    [new Date(killedAt)],
  );
  const pids = left.map((r) => r.pid);
  const lingering = async () =>
    (await w.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1::int[])`, [pids])).rows[0]!.n;
  const leftInTransaction = pids.length;
  let freedAt: number | undefined;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
    if ((await lingering()) === 0) {
      freedAt = Date.now();
      break;
    }
  }
  // the tenants whose rows it held answer again, through the other replica
  const after = await Promise.all(targets.map((a) => gql(w.replicas[1]!.url, CHECK_IN, { input: { applianceId: a.applianceId } }, { token: a.credential })));
  const suspend = await gql(
    w.replicas[1]!.url,
    `mutation($id: ID!) { suspendTenant(tenantId: $id, reason: "probe") { id status } }`,
    { id: targets[0]!.tenantId },
    { token: w.keys.admin },
  );
  await proxy.stop();

  const heldKinds = tally(heldAnswers.map((a) => a.kind));
  const otherKinds = tally(otherAnswers.map((a) => a.kind));
  table(
    `Held tenant row (${CALLERS} callers over 2 replicas, ${HELD_CALLERS} of them for the held tenant, which wait their Retry-After; product defaults: pool 10, lock timeout 2 s, idle-in-transaction timeout 5 s)`,
    [
      {
        callers: `held tenant (${HELD_CALLERS})`,
        requests: heldAnswers.length,
        answers: describeTally(heldKinds),
        "p50 / p99 / slowest": latency(heldAnswers),
      },
      {
        callers: `other tenants (${CALLERS - HELD_CALLERS})`,
        requests: otherAnswers.length,
        answers: describeTally(otherKinds),
        "p50 / p99 / slowest": latency(otherAnswers),
      },
    ],
    [
      `Held tenant after the row was released: ${heldAfter.kind}.`,
      `Replica killed (kill -9, its path blackholed first) while reissuing codes for ${targets.length} tenants: ${leftInTransaction} sessions left idle in transaction, all ended ${freedAt ? seconds(freedAt - killedAt) : "never (60 s)"} after the kill; ` +
        `then check-ins of those tenants through the other replica: ${describeTally(tally(after.map((a) => a.kind)))}; an admin suspension: ${suspend.kind}.`,
    ],
  );

  expect(otherKinds).toEqual({ ok: otherAnswers.length });
  expect(Object.keys(heldKinds)).toEqual(["SERVICE_BUSY"]);
  expect(heldAnswers.flatMap(retryableProblems)).toEqual([]);
  expect(Math.max(...heldAnswers.map((a) => a.ms))).toBeLessThan(8000); // a pool wait and the lock timeout, not the statement timeout
  expect(heldAfter.kind).toBe("ok");
  expect(leftInTransaction).toBeGreaterThan(0); // the kill did catch transactions
  expect(freedAt).toBeDefined();
  expect(freedAt! - killedAt).toBeLessThan(10_000);
  expect(after.map((a) => a.kind)).toEqual(targets.map(() => "ok"));
  expect(suspend.kind).toBe("ok");
});
