// The check-in agent in a fleet, against the real API: each appliance waits its own deterministic slot
// (derived from its identity) before checking in, and a shedding service (MAX_INFLIGHT_REQUESTS=1,
// its one slot held by a suspension waiting on a tenant row the test holds) answers SERVICE_BUSY with
// Retry-After, which the agent honours — never sooner than asked, never longer than its bound.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createTenant } from "../setup-tui/src/bootstrap/create-tenant.js";
import { runCheckIn } from "../setup-tui/src/checkin/agent.js";
import { spreadDelaySeconds } from "../setup-tui/src/checkin/spread.js";
import { readSeedDir } from "../setup-tui/src/seeds.js";
import { applianceDb, checkInCli, licenseState, PASSWORD, register, secondAfter, setupCli } from "./helpers/appliance.js";
import { startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { eventually } from "./helpers/eventually.js";
import { startProcess } from "./helpers/processes.js";

let t: TestPlane;
let dir: string;
beforeAll(async () => {
  // the held request waits on its lock as long as the test holds it
  t = await startTestPlane({ MAX_INFLIGHT_REQUESTS: "1", DATABASE_LOCK_TIMEOUT_MS: "60000", DATABASE_STATEMENT_TIMEOUT_MS: "60000" });
  dir = mkdtempSync(path.join(os.tmpdir(), "alga-fleet-"));
  writeFileSync(path.join(dir, "password"), PASSWORD);
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t.stop();
});

async function appliance(applianceId: string) {
  const reg = await register(t, "PRO", `Fleet ${applianceId}`);
  const seeds = path.join(dir, applianceId);
  const out = await setupCli(
    [
      "--install-code",
      reg.installCode,
      "--admin-password-file",
      path.join(dir, "password"),
      "--license-url",
      t.url,
      "--output",
      seeds,
      "--appliance-id",
      applianceId,
    ],
    {
      ALGA_STATE_DIR: path.join(dir, "state"),
    },
  );
  expect(out.code).toBe(0);
  const db = await applianceDb();
  await createTenant(db, readSeedDir(seeds));
  return { tenantId: reg.tenantId, db };
}

/**
 * Holds the service's only request slot: an admin suspension of a tenant whose row the test holds
 * FOR UPDATE is in flight (its body read, waiting on the lock) until `destroy()` lets it finish.
 */
let released: Promise<unknown> = Promise.resolve();
async function holdSlot(): Promise<{ destroy(): Promise<unknown> }> {
  await released; // the previous holder's request has finished
  const { tenantId } = await register(t, "PRO", `Slot ${Math.random().toString(36).slice(2)}`);
  const lock = new pg.Client({ connectionString: t.databaseUrl });
  await lock.connect();
  await lock.query("BEGIN");
  await lock.query("SELECT 1 FROM tenant_registry WHERE tenant_id = $1 FOR UPDATE", [tenantId]);
  const held = t.gql(`mutation($id: ID!) { suspendTenant(tenantId: $id, reason: "holds the slot") { id } }`, { id: tenantId }, { token: t.keys.admin });
  const waiting = () => lock.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
  await eventually(waiting, (r) => r.rows[0].n > 0);
  return {
    /** lets the held request finish; resolves once it has (and its slot is free) */
    destroy() {
      released = lock
        .query("ROLLBACK")
        .then(() => held)
        .finally(() => lock.end());
      return released;
    },
  };
}

// the slot's rule itself (deterministic, spread over the window): tests/unit/spread.test.ts
describe("a deterministic slot per appliance", () => {
  it("the CronJob's run waits the appliance's slot; --no-spread checks in at once", async () => {
    const { tenantId, db } = await appliance("slot-1");
    const res = await checkInCli(["--json"], { APPLIANCE_DATABASE_URL: db, ALGA_CHECKIN_SPREAD_SECONDS: "4" });
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report).toMatchObject({ status: "refreshed", spreadDelaySeconds: spreadDelaySeconds(tenantId, "slot-1", 4) });
    if (report.spreadDelaySeconds > 0) expect(res.stderr).toContain(`waiting ${report.spreadDelaySeconds}s, this appliance's slot within the 4s spread window`);
    await secondAfter((await licenseState(db)).license_token); // licenses of one second are ordered by jti: the next one must be of a later second to replace it
    const now = await checkInCli(["--json", "--no-spread"], { APPLIANCE_DATABASE_URL: db, ALGA_CHECKIN_SPREAD_SECONDS: "4" });
    expect(JSON.parse(now.stdout)).toMatchObject({ status: "refreshed", spreadDelaySeconds: 0 });
  });
});

describe("a shedding service: SERVICE_BUSY with Retry-After", () => {
  it("the agent waits as long as the service asked, then succeeds once the service has room", async () => {
    const { db } = await appliance("busy-1");
    const slot = await holdSlot();
    const agent = startProcess(process.execPath, ["setup-tui/dist/cli/check-in.js", "--json", "--no-spread", "--attempts", "3"], {
      APPLIANCE_DATABASE_URL: db,
    });
    // shed once; then the service has room again, long before the 5 s it asked for are over
    await agent.waitForOutput(/attempt 1 failed \(SERVICE_BUSY/, 60_000);
    void slot.destroy();
    const code = agent.child.exitCode ?? (await new Promise<number | null>((r) => agent.child.on("exit", r)));
    expect(code).toBe(0);
    const report = JSON.parse(
      agent
        .output()
        .split("\n")
        .find((l) => l.startsWith("{"))!,
    );
    expect(report).toMatchObject({ status: "refreshed", attempts: 2 });
    // the shedder asks for 5 s: never sooner, at most a quarter later (jitter)
    expect(report.waitsMs).toHaveLength(1);
    expect(report.waitsMs[0]).toBeGreaterThanOrEqual(5000);
    expect(report.waitsMs[0]).toBeLessThanOrEqual(6250);
    // the log shows that wait in seconds to one decimal ("5s" for 5000-5049 ms, "5.3s", "6.2s")
    const shown = `${Math.round(report.waitsMs[0] / 100) / 10}s`.replace(".", "\\.");
    expect(agent.output()).toMatch(new RegExp(`attempt 1 failed \\(SERVICE_BUSY: The service is busy.*\\); retrying in ${shown} as the service asked`));
  }, 60_000);

  it("waits are bounded: a service that stays busy is waited for at most --max-wait-seconds per attempt; the current token is kept", async () => {
    const { db } = await appliance("busy-2");
    const token = (await licenseState(db)).license_token;
    const slot = await holdSlot();
    try {
      const res = await checkInCli(["--json", "--no-spread", "--attempts", "3", "--max-wait-seconds", "1"], { APPLIANCE_DATABASE_URL: db });
      expect(res.code).toBe(0); // 30 days of validity left: nothing to do yet
      const report = JSON.parse(res.stdout);
      expect(report).toMatchObject({ status: "kept-current-token", attempts: 3, waitsMs: [1000, 1000] });
      expect(report.message).toMatch(/^license service busy: The service is busy.*Kept the current token: the current license stays valid for (29|30)d/);
      expect((await licenseState(db)).license_token).toBe(token);
      expect((await licenseState(db)).last_check_in_error).toMatch(/^SERVICE_BUSY: /);
    } finally {
      await slot.destroy();
    }
  }, 60_000);

  it("a herd on a one-slot service: every appliance refreshes by honouring Retry-After", async () => {
    const fleet = [];
    for (const id of ["herd-1", "herd-2", "herd-3", "herd-4", "herd-5", "herd-6"]) fleet.push(await appliance(id));
    // the herd arrives while the one slot is taken: every first attempt is shed; the slot frees once all wait
    const slot = await holdSlot();
    let shed = 0;
    const onLog = (line: string) => {
      if (line.includes("retrying") && ++shed === fleet.length) void slot.destroy();
    };
    const reports = await Promise.all(fleet.map(({ db }) => runCheckIn({ databaseUrl: db, attempts: 8, retryDelayMs: 200, log: onLog })));
    expect(reports.map((r) => r.status)).toEqual(new Array(6).fill("refreshed"));
    // the shed ones came back no sooner than the service asked (5 s), not after the 200 ms backoff
    const waits = reports.flatMap((r) => r.waitsMs);
    expect(waits.length).toBeGreaterThanOrEqual(6);
    for (const w of waits) expect(w).toBeGreaterThanOrEqual(5000);
  }, 120_000);
});
