// Database sessions with bounds, run the way the failures happened: a real API process whose path to
// PostgreSQL goes through a TCP proxy that can blackhole (accept, then stop forwarding without closing),
// a real session holding a tenant's row FOR UPDATE, a real process killed mid-transaction, a real pool
// whose connections are all held.
//
// - A blackholed path: requests are answered within the client query timeout with the retryable
//   SERVICE_UNAVAILABLE (not SERVICE_BUSY), readiness fails within the probe's own short timeout,
//   liveness stays up; after the path heals the same process serves again within seconds.
// - One tenant's row held FOR UPDATE: the other tenants' check-ins are all served; the held tenant's
//   callers are told SERVICE_BUSY after DATABASE_LOCK_TIMEOUT_MS instead of holding pool connections.
// - A client killed inside a transaction whose close never reaches the server: the row is free again
//   after DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS.
// - A pool whose connections are all held and never returned (while the database answers): liveness fails.
import { spawn } from "node:child_process";
import pg from "pg";
import { createRoleKeys } from "./helpers/api-keys.js";
import { startApiProcess, type ApiProcess } from "./helpers/api-processes.js";
import { startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { eventually } from "./helpers/eventually.js";
import { startFaultyProxy, throughProxy, type FaultyProxy } from "./helpers/faulty-proxy.js";
import { ADMIN_URL, createScratchDatabase } from "./helpers/postgres.js";
import { installAppliances, type Installed } from "./reliability/helpers/appliances.js";
import { CHECK_IN, gql, retryableProblems, type Answer } from "./reliability/helpers/http.js";

const upstream = () => {
  const u = new URL(ADMIN_URL);
  return `tcp://${u.hostname}:${u.port || 5432}`;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const checkIn = (url: string, a: Installed, timeoutMs = 20_000) =>
  gql(url, CHECK_IN, { input: { applianceId: a.applianceId } }, { token: a.credential, signal: AbortSignal.timeout(timeoutMs) });

/** `callers` loops calling `call` until `ms` have passed; a caller told to retry waits its Retry-After (capped), as the check-in agent does. */
async function load(ms: number, callers: number, call: (i: number) => Promise<Answer>, retryAfterCapMs = 0): Promise<Answer[]> {
  const out: Answer[] = [];
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      for (let i = 0; Date.now() < until; i++) {
        const a = await call(c + i * callers);
        out.push(a);
        if (a.kind !== "ok" && retryAfterCapMs) await sleep(Math.min(retryAfterCapMs, Number(a.retryAfter ?? 1) * 1000));
      }
    }),
  );
  return out;
}

const timed = async (url: string) => {
  const t0 = Date.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(20_000) }).catch(() => undefined);
  return { status: res?.status ?? 0, ms: Date.now() - t0 };
};

let db: Awaited<ReturnType<typeof createScratchDatabase>>;
let direct: pg.Pool;
let keys: { store: string; support: string; admin: string };
beforeAll(async () => {
  db = await createScratchDatabase();
  direct = new pg.Pool({ connectionString: db.url, max: 3 });
  keys = await createRoleKeys(direct, "bounds");
});
afterAll(async () => {
  await direct.end();
  await db.drop();
});

describe("a blackholed path to PostgreSQL", () => {
  let proxy: FaultyProxy;
  let api: ApiProcess;
  beforeAll(async () => {
    proxy = await startFaultyProxy(upstream());
    api = await startApiProcess({
      DATABASE_URL: throughProxy(db.url, proxy),
      MIGRATE_ON_START: "false",
      DATABASE_POOL_SIZE: "4",
      DATABASE_POOL_TIMEOUT_MS: "1000",
      DATABASE_STATEMENT_TIMEOUT_MS: "2000",
      DATABASE_PROBE_TIMEOUT_MS: "500",
    });
  });
  afterAll(async () => {
    await api?.stop("SIGKILL");
    await proxy?.stop();
  });

  it("answers SERVICE_UNAVAILABLE within the query timeout, fails readiness fast, and serves again within seconds of the heal", async () => {
    const apps = await installAppliances(api.url, keys.store, 4, "blackhole");
    for (const a of apps) expect((await checkIn(api.url, a)).kind).toBe("ok");

    proxy.blackhole(true);
    const darkAt = Date.now();
    // check-ins (typed SQL) and support searches (Prisma's adapter on the same pool)
    const call = (i: number) =>
      i % 4 === 0
        ? gql(api.url, `{ tenants(first: 5) { totalCount } }`, {}, { token: keys.support, signal: AbortSignal.timeout(20_000) })
        : checkIn(api.url, apps[i % apps.length]!);
    const [during, ready, live] = await Promise.all([
      load(5000, 8, call),
      // the probe has its own short timeout: readiness says so long before the pool would
      eventually(
        () => timed(`${api.url}/readyz`),
        (r) => r.status === 503,
        10_000,
      ),
      (async () => {
        await sleep(1500);
        return timed(`${api.url}/healthz`);
      })(),
    ]);
    const darkFor = Date.now() - darkAt;
    proxy.blackhole(false);
    const healedAt = Date.now();

    const slowest = Math.max(...during.map((a) => a.ms));
    const kinds = [...new Set(during.map((a) => a.kind))];
    expect({ kinds, problems: during.flatMap(retryableProblems).slice(0, 3) }).toEqual({ kinds: ["SERVICE_UNAVAILABLE"], problems: [] });
    // client query timeout (statement timeout 2 s + 1 s) and a pool wait at most, never the caller's own timeout
    expect(slowest).toBeLessThan(6000);
    expect(ready.status).toBe(503);
    expect(ready.ms).toBeLessThan(2000);
    expect(live.status).toBe(200);

    // the same process, no restart: served again within seconds of the heal
    const back = await eventually(
      () => checkIn(api.url, apps[0]!),
      (a) => a.kind === "ok",
      20_000,
    );
    const recoveredMs = Date.now() - healedAt;
    expect(back.kind).toBe("ok");
    expect(recoveredMs).toBeLessThan(5000);
    const after = await load(2000, 8, call);
    expect([...new Set(after.map((a) => a.kind))]).toEqual(["ok"]);
    expect((await timed(`${api.url}/readyz`)).status).toBe(200);
    expect(api.process.child.exitCode).toBeNull();
    process.stdout.write(
      `blackhole ${darkFor} ms: ${during.length} answers, all SERVICE_UNAVAILABLE, slowest ${slowest} ms; readiness 503 after ${ready.ms} ms; ` +
        `first ok ${recoveredMs} ms after the heal; ${after.length}/${after.length} ok after\n`,
    );
  }, 90_000);
});

describe("one tenant's row held FOR UPDATE", () => {
  let api: ApiProcess;
  beforeAll(async () => {
    // product defaults, but for a pool as small as the tests' shared server allows
    api = await startApiProcess({ DATABASE_URL: db.url, MIGRATE_ON_START: "false", DATABASE_POOL_SIZE: "5" });
  });
  afterAll(() => api?.stop("SIGKILL"));

  it("costs only that tenant's callers: every other tenant's check-in is served", async () => {
    const apps = await installAppliances(api.url, keys.store, 7, "locked");
    const [held, ...others] = apps;
    const lock = new pg.Client({ connectionString: db.url });
    await lock.connect();
    await lock.query("BEGIN");
    await lock.query("SELECT 1 FROM tenant_registry WHERE tenant_id = $1 FOR UPDATE", [held!.tenantId]);
    let heldAnswers: Answer[];
    let otherAnswers: Answer[];
    try {
      // the held tenant's appliances outnumber the pool; each waits its Retry-After, as the agent does
      [heldAnswers, otherAnswers] = await Promise.all([
        load(8000, 6, () => checkIn(api.url, held!), 2000),
        load(8000, 6, (i) => checkIn(api.url, others[i % others.length]!)),
      ]);
    } finally {
      await lock.query("ROLLBACK");
      await lock.end();
    }
    const otherKinds = otherAnswers.reduce<Record<string, number>>((m, a) => ({ ...m, [a.kind]: (m[a.kind] ?? 0) + 1 }), {});
    process.stdout.write(
      `held row 8 s: held tenant ${heldAnswers.length} answers (${[...new Set(heldAnswers.map((a) => a.kind))].join(", ")}, slowest ${Math.max(...heldAnswers.map((a) => a.ms))} ms); ` +
        `other tenants ${JSON.stringify(otherKinds)}\n`,
    );
    expect(otherKinds).toEqual({ ok: otherAnswers.length });
    expect([...new Set(heldAnswers.map((a) => a.kind))]).toEqual(["SERVICE_BUSY"]);
    expect(heldAnswers.flatMap(retryableProblems)).toEqual([]);
    // a wait for the pool (3 s) and DATABASE_LOCK_TIMEOUT_MS (2 s) at most, not the statement timeout (15 s)
    expect(Math.max(...heldAnswers.map((a) => a.ms))).toBeLessThan(8000);
    expect((await checkIn(api.url, held!)).kind).toBe("ok");
  }, 90_000);
});

describe("a client killed inside a transaction, its close lost on the path", () => {
  let proxy: FaultyProxy;
  beforeAll(async () => {
    proxy = await startFaultyProxy(upstream());
  });
  afterAll(() => proxy?.stop());

  it("leaves the row locked no longer than DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", async () => {
    const { rows } = await direct.query<{ tenant_id: string }>(`SELECT tenant_id FROM tenant_registry LIMIT 1`);
    const tenantId = rows[0]!.tenant_id;
    // the API's own pool module and configuration, in a process of its own
    const script = `
      import { loadConfig } from "./api/dist/config.js";
      import { createPool } from "./api/dist/db/pool.js";
      const c = loadConfig();
      const pool = createPool(c.databaseUrl, { ...c.database, size: 1, timeoutMs: c.database.poolTimeoutMs });
      const tx = await pool.connect();
      await tx.query("BEGIN");
      await tx.query("SELECT 1 FROM tenant_registry WHERE tenant_id = $1 FOR UPDATE", [process.argv[1]]);
      console.log("locked");
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, tenantId], {
      env: { ...process.env, NODE_OPTIONS: "", DATABASE_URL: throughProxy(db.url, proxy), DATA_DIR: "/nonexistent" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    await eventually(
      async () => out,
      (o) => o.includes("locked") || child.exitCode !== null,
      20_000,
    );
    expect(out).toContain("locked");

    proxy.blackhole(true); // the kernel's FIN for the killed process never reaches the server
    child.kill("SIGKILL");
    const killedAt = Date.now();
    const tryLock = async () => {
      const c = await direct.connect();
      try {
        await c.query("BEGIN");
        await c.query("SELECT 1 FROM tenant_registry WHERE tenant_id = $1 FOR UPDATE NOWAIT", [tenantId]);
        return true;
      } catch {
        return false;
      } finally {
        await c.query("ROLLBACK").catch(() => {});
        c.release();
      }
    };
    expect(await tryLock()).toBe(false);
    const freed = await eventually(tryLock, (ok) => ok, 20_000);
    const lockedMs = Date.now() - killedAt;
    process.stdout.write(`killed mid-transaction: row locked ${lockedMs} ms after the kill\n`);
    expect(freed).toBe(true);
    expect(lockedMs).toBeLessThan(9000); // 5 s idle-in-transaction timeout + polling on loaded cores
  }, 60_000);
});

describe("a pool whose connections are all held and never returned", () => {
  let t: TestPlane;
  beforeAll(async () => {
    t = await startTestPlane({
      DATABASE_POOL_SIZE: "3",
      DATABASE_POOL_TIMEOUT_MS: "500",
      DATABASE_STATEMENT_TIMEOUT_MS: "1000",
      DATABASE_PROBE_TIMEOUT_MS: "500",
    });
  });
  afterAll(() => t.stop());

  it("fails liveness while the database itself answers (a restart is the way out), and recovers when they come back", async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const held = await Promise.all(Array.from({ length: 3 }, () => t.plane.pool.connect()));
    try {
      const live = await eventually(
        () => fetch(`${t.url}/healthz`),
        (r) => r.status === 503,
        15_000,
      );
      expect(live.status).toBe(503);
      expect(await live.json()).toMatchObject({ status: "wedged" });
      expect((await fetch(`${t.url}/readyz`)).status).toBe(503);
    } finally {
      for (const c of held) c.release();
    }
    expect(
      (
        await eventually(
          () => fetch(`${t.url}/healthz`),
          (r) => r.status === 200,
          5000,
        )
      ).status,
    ).toBe(200);
  }, 30_000);
});
