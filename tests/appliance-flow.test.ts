// The appliance side as an operator runs it: alga-setup non-interactive, create-tenant on a real
// PostgreSQL, and the check-in agent against the real API.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { verify } from "@node-rs/argon2";
import pg from "pg";
import { generateInstallCode } from "../api/src/domain/install-code.js";
import { createTenant } from "../setup-tui/src/bootstrap/create-tenant.js";
import { runCheckIn } from "../setup-tui/src/checkin/agent.js";
import { readSeedDir } from "../setup-tui/src/seeds.js";
import { REDEEM, REGISTER, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { createEmptyDatabase } from "./helpers/postgres.js";
import { run } from "./helpers/processes.js";

let t: TestPlane;
let dir: string;
const PASSWORD = "Sturdy-Appliance-2026";
beforeAll(async () => {
  t = await startTestPlane();
});
afterAll(() => t.stop());
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "alga-appliance-"));
  writeFileSync(path.join(dir, "password"), `${PASSWORD}\n`, { mode: 0o600 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** an empty appliance database (not the control plane's schema) */
async function applianceDb() {
  return (await createEmptyDatabase("appl")).url;
}

async function register(edition = "PRO") {
  return (await t.gql(REGISTER, { input: { companyName: `Appliance ${edition} GmbH`, contactEmail: `a-${Math.random().toString(36).slice(2)}@x.test`, edition } }, { token: t.keys.store })).data.registerTenant as { tenantId: string; installCode: string };
}

const setup = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ["setup-tui/dist/cli/setup.js", ...args], { ALGA_STATE_DIR: path.join(dir, "state"), ...env });

describe("alga-setup non-interactive", () => {
  it("redeems, writes both seeds (0600) and prints a machine-readable result", async () => {
    const reg = await register();
    const res = await setup(["--install-code", reg.installCode, "--admin-password-file", path.join(dir, "password"), "--license-url", t.url, "--output", path.join(dir, "seeds")]);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({ ok: true, tenantId: reg.tenantId, edition: "PRO", licensed: true, companyName: "Appliance PRO GmbH" });
    expect(out.applianceId).toMatch(/^appl-[0-9a-f]{20}$/); // derived from the machine and persisted
    expect(readFileSync(path.join(dir, "state", "appliance-id"), "utf8").trim()).toBe(out.applianceId);
    expect(statSync(path.join(dir, "seeds", "appliance-license-seed.yaml")).mode & 0o777).toBe(0o600);
    const seeds = readSeedDir(path.join(dir, "seeds"));
    expect(seeds).toMatchObject({ INITIAL_TENANT_ID: reg.tenantId, INITIAL_ADMIN_PASSWORD: PASSWORD, EDITION: "PRO" });
    expect(res.stdout).not.toContain(PASSWORD);
  });

  it("exit codes per failure kind, with the way out in the JSON", async () => {
    const pw = path.join(dir, "password");
    const base = ["--admin-password-file", pw, "--license-url", t.url, "--output", path.join(dir, "seeds")];
    const malformed = await setup(["--install-code", "ABCD-EFGH", ...base]);
    expect(malformed.code).toBe(3);
    const unknown = await setup(["--install-code", generateInstallCode(), ...base]);
    expect(unknown.code).toBe(4);
    expect(JSON.parse(unknown.stdout).error).toMatchObject({ code: "INVALID_INSTALL_CODE", action: expect.stringContaining("re-issue an install code") });
    const used = await register();
    await t.gql(REDEEM, { input: { installCode: used.installCode, applianceId: "other" } });
    expect((await setup(["--install-code", used.installCode, ...base])).code).toBe(4);
    const suspended = await register();
    await t.plane.services.prisma.tenantRegistry.update({ where: { id: suspended.tenantId }, data: { status: "SUSPENDED" } });
    expect((await setup(["--install-code", suspended.installCode, ...base])).code).toBe(5);
    const weak = path.join(dir, "weak");
    writeFileSync(weak, "password1");
    expect((await setup(["--install-code", generateInstallCode(), "--admin-password-file", weak, "--license-url", t.url])).code).toBe(2);
    expect((await setup(["--install-code", generateInstallCode()], { ALGA_LICENSE_URL: t.url })).code).toBe(2);
  });

  it("service unreachable exits 6 after retrying", async () => {
    const res = await setup(["--install-code", generateInstallCode(), "--admin-password-file", path.join(dir, "password"), "--license-url", "http://127.0.0.1:9"], {});
    expect(res.code).toBe(6);
    expect(JSON.parse(res.stdout).error.code).toBe("UNREACHABLE");
  }, 60_000);

  it("a failure to apply after the code was consumed exits 7 and says a re-issued code is needed", async () => {
    const reg = await register();
    const file = path.join(dir, "file-not-dir");
    writeFileSync(file, "x");
    const res = await setup(["--install-code", reg.installCode, "--admin-password-file", path.join(dir, "password"), "--license-url", t.url, "--output", file]);
    expect(res.code).toBe(7);
    expect(JSON.parse(res.stdout).error).toMatchObject({ code: "APPLY_FAILED", action: expect.stringContaining("re-issued install code") });
  });

  it("applies the Secrets with kubectl when configured", async () => {
    const reg = await register("ESSENTIALS");
    const kubectl = path.join(dir, "kubectl");
    const log = path.join(dir, "kubectl.log");
    // a stand-in for kubectl (no cluster here): records its arguments and the manifest it was given
    writeFileSync(kubectl, `#!/bin/sh\necho "ARGS $*" >> ${log}\ncat >> ${log}\n`);
    chmodSync(kubectl, 0o755);
    const res = await setup(["--install-code", reg.installCode, "--admin-password-file", path.join(dir, "password"), "--license-url", t.url, "--kubectl", kubectl, "--namespace", "alga"]);
    expect(res.code).toBe(0);
    const recorded = readFileSync(log, "utf8");
    expect(recorded.match(/ARGS apply -f - -n alga/g)).toHaveLength(2);
    expect(recorded).toContain("name: appliance-initial-tenant");
    expect(recorded).toContain("name: appliance-license-seed");
    expect(recorded).toContain(`INITIAL_TENANT_ID: ${reg.tenantId}`);
  });
});

describe("create-tenant", () => {
  it("adopts INITIAL_TENANT_ID, hashes the admin password, seeds license_state; a rerun is a no-op", async () => {
    const reg = await register("PREMIUM");
    await setup(["--install-code", reg.installCode, "--admin-password-file", path.join(dir, "password"), "--license-url", t.url, "--output", path.join(dir, "seeds"), "--appliance-id", "boot-1"]);
    const db = await applianceDb();
    const first = await run(process.execPath, ["setup-tui/dist/cli/create-tenant.js", "--seed-dir", path.join(dir, "seeds")], { APPLIANCE_DATABASE_URL: db });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`created tenant ${reg.tenantId} (PREMIUM)`);
    const again = await run(process.execPath, ["setup-tui/dist/cli/create-tenant.js", "--seed-dir", path.join(dir, "seeds")], { APPLIANCE_DATABASE_URL: db });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already bootstrapped");

    const client = new pg.Client({ connectionString: db });
    await client.connect();
    try {
      const tenants = await client.query("SELECT tenant_id, company_name FROM tenants");
      expect(tenants.rows).toEqual([{ tenant_id: reg.tenantId, company_name: "Appliance PREMIUM GmbH" }]);
      const users = await client.query("SELECT email, role, password_hash FROM users");
      expect(users.rows).toHaveLength(1);
      expect(users.rows[0].role).toBe("admin");
      expect(users.rows[0].password_hash).toMatch(/^\$argon2id\$/);
      expect(await verify(users.rows[0].password_hash, PASSWORD)).toBe(true);
      const state = (await client.query("SELECT * FROM license_state")).rows[0];
      expect(state).toMatchObject({ tenant_id: reg.tenantId, edition: "PREMIUM", appliance_id: "boot-1", check_in_url: `${t.url}/graphql` });
      expect(state.license_token.split(".")).toHaveLength(3);
      expect(state.license_expires_at.getTime()).toBeGreaterThan(Date.now() + 29 * 86400e3);
    } finally {
      await client.end();
    }
  });

  it("a different tenant id on a bootstrapped database is a clear error (exit 3)", async () => {
    const db = await applianceDb();
    const a = "11111111-1111-4111-8111-111111111111";
    await createTenant(db, { INITIAL_TENANT_ID: a, INITIAL_ADMIN_PASSWORD: PASSWORD });
    const res = await run(process.execPath, ["setup-tui/dist/cli/create-tenant.js"], {
      APPLIANCE_DATABASE_URL: db, INITIAL_TENANT_ID: "22222222-2222-4222-8222-222222222222", INITIAL_ADMIN_PASSWORD: PASSWORD,
    });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`already bootstrapped for tenant ${a}`);
  });

  it("without INITIAL_TENANT_ID the database generates the id; essentials gets no token", async () => {
    const db = await applianceDb();
    const r = await createTenant(db, { INITIAL_ADMIN_PASSWORD: PASSWORD });
    expect(r).toMatchObject({ status: "created", edition: "ESSENTIALS", tenantId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect((await createTenant(db, { INITIAL_ADMIN_PASSWORD: PASSWORD })).status).toBe("already-bootstrapped");
  });

  it("concurrent bootstraps of one database create one tenant", async () => {
    const db = await applianceDb();
    const id = "33333333-3333-4333-8333-333333333333";
    const results = await Promise.all([1, 2, 3].map(() => createTenant(db, { INITIAL_TENANT_ID: id, INITIAL_ADMIN_PASSWORD: PASSWORD })));
    expect(results.filter((r) => r.status === "created")).toHaveLength(1);
  });

  it("rejects bad seeds", async () => {
    const db = await applianceDb();
    await expect(createTenant(db, { INITIAL_TENANT_ID: "nope", INITIAL_ADMIN_PASSWORD: PASSWORD })).rejects.toThrow(/must be a UUID/);
    await expect(createTenant(db, { INITIAL_TENANT_ID: "44444444-4444-4444-8444-444444444444" })).rejects.toThrow(/INITIAL_ADMIN_PASSWORD is required/);
    await expect(createTenant(db, { INITIAL_ADMIN_PASSWORD: PASSWORD, EDITION: "PRO" })).rejects.toThrow(/paid edition needs/);
  });
});

describe("check-in agent", () => {
  async function bootstrapped(edition = "PRO") {
    const reg = await register(edition);
    const applianceId = `agent-${Math.random().toString(36).slice(2, 8)}`;
    const out = await setup(["--install-code", reg.installCode, "--admin-password-file", path.join(dir, "password"), "--license-url", t.url, "--output", path.join(dir, "seeds"), "--appliance-id", applianceId]);
    expect(out.code).toBe(0);
    const db = await applianceDb();
    await createTenant(db, readSeedDir(path.join(dir, "seeds")));
    return { reg, db, applianceId };
  }
  const state = async (db: string) => {
    const c = new pg.Client({ connectionString: db });
    await c.connect();
    try {
      return (await c.query("SELECT * FROM license_state")).rows[0];
    } finally {
      await c.end();
    }
  };

  it("refreshes the token and stores it; the registry sees the check-in", async () => {
    const { reg, db, applianceId } = await bootstrapped();
    const before = await state(db);
    const res = await run(process.execPath, ["setup-tui/dist/cli/check-in.js"], { APPLIANCE_DATABASE_URL: db, APPLIANCE_VERSION: "5.0.1" });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("license refreshed");
    const after = await state(db);
    expect(after.license_token).not.toBe(before.license_token);
    expect(after.last_check_in_at).not.toBeNull();
    const appliance = await t.plane.services.prisma.appliance.findFirstOrThrow({ where: { applianceId, tenantId: reg.tenantId } });
    expect(appliance.reportedVersion).toBe("5.0.1");
    expect((await t.plane.services.prisma.tenantRegistry.findUniqueOrThrow({ where: { id: reg.tenantId } })).status).toBe("ACTIVE");
  });

  it("service down: keeps the current token, reports the time left, and exits non-zero only when the license is at risk", async () => {
    const { db } = await bootstrapped();
    const c = new pg.Client({ connectionString: db });
    await c.connect();
    await c.query("UPDATE license_state SET check_in_url = 'http://127.0.0.1:9/graphql'");
    const token = (await c.query("SELECT license_token FROM license_state")).rows[0].license_token;
    const ok = await runCheckIn({ databaseUrl: db, attempts: 2, retryDelayMs: 10 });
    expect(ok).toMatchObject({ exitCode: 0, status: "kept-current-token" });
    expect(ok.message).toMatch(/stays valid for (29|30)d/);
    await c.query("UPDATE license_state SET license_expires_at = now() + interval '2 days'");
    const atRisk = await runCheckIn({ databaseUrl: db, attempts: 1 });
    expect(atRisk.exitCode).toBe(3);
    expect(atRisk.message).toMatch(/valid for 1d 23h|valid for 2d 0h/);
    const row = (await c.query("SELECT license_token, last_check_in_error FROM license_state")).rows[0];
    expect(row.license_token).toBe(token);
    expect(row.last_check_in_error).toMatch(/^UNREACHABLE/);
    await c.end();
  });

  it("suspended tenant: refused, exit 4, token kept", async () => {
    const { reg, db } = await bootstrapped();
    await t.plane.services.prisma.tenantRegistry.update({ where: { id: reg.tenantId }, data: { status: "SUSPENDED" } });
    const res = await run(process.execPath, ["setup-tui/dist/cli/check-in.js", "--json"], { APPLIANCE_DATABASE_URL: db });
    expect(res.code).toBe(4);
    expect(JSON.parse(res.stdout)).toMatchObject({ status: "refused", message: expect.stringContaining("TENANT_SUSPENDED") });
  });

  it("essentials has nothing to refresh (exit 0)", async () => {
    const { db } = await bootstrapped("ESSENTIALS");
    expect(await runCheckIn({ databaseUrl: db })).toMatchObject({ exitCode: 0, status: "essentials" });
  });
});

