// Upgrade in place: an installed ESSENTIALS appliance (a real create-tenant database) whose tenant
// becomes paid connects with `alga-setup connect` — non-interactive and in the wizard — and its next
// check-in refreshes: same tenant id, no new tenant row, the admin password untouched.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { render } from "ink-testing-library";
import { verify } from "@node-rs/argon2";
import { replaceLicense, withApplianceDb } from "../setup-tui/src/bootstrap/appliance-schema.js";
import { createTenant } from "../setup-tui/src/bootstrap/create-tenant.js";
import { readSeedDir } from "../setup-tui/src/seeds.js";
import { Wizard } from "../setup-tui/src/wizard/app.js";
import { applianceDb, checkInCli, claimsOf, licenseCli, licenseState, PASSWORD, query, register, secondAfter, setupCli } from "./helpers/appliance.js";
import { CHECK_IN, codeOf, REISSUE, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { startFaultyProxy } from "./helpers/faulty-proxy.js";

let t: TestPlane;
let dir: string;
beforeAll(async () => {
  t = await startTestPlane();
});
afterAll(() => t.stop());
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "alga-connect-"));
  writeFileSync(path.join(dir, "password"), PASSWORD);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** An ESSENTIALS appliance, installed and bootstrapped the normal way. */
async function essentialsAppliance(company = "Upgrade AG") {
  const reg = await register(t, "ESSENTIALS", company);
  const seeds = path.join(dir, "seeds");
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
      "edge-1",
    ],
    {
      ALGA_STATE_DIR: path.join(dir, "state"),
    },
  );
  expect(out.code).toBe(0);
  const db = await applianceDb();
  await createTenant(db, readSeedDir(seeds));
  return { reg, db, seeds };
}

/** The vendor's side of the upgrade: a paid entitlement, and a code for the existing tenant. */
async function becomesPaid(tenantId: string, edition: "PRO" | "PREMIUM" = "PRO") {
  await t.plane.services.prisma.entitlement.create({ data: { tenantId, edition, status: "ACTIVE", validUntil: new Date(Date.now() + 365 * 86400e3) } });
  return (await t.gql(REISSUE, { input: { tenantId } }, { token: t.keys.store })).data.reissueInstallCode.installCode as string;
}

const connect = (db: string, args: string[], env: Record<string, string> = {}) =>
  setupCli(["connect", ...args], { APPLIANCE_DATABASE_URL: db, ALGA_SEED_DIR: path.join(dir, "seeds"), ALGA_STATE_DIR: path.join(dir, "state"), ...env });

it("non-interactive: redeems for the existing tenant, updates license_state and the license seed; the next check-in refreshes", async () => {
  const { reg, db } = await essentialsAppliance();
  const hashBefore = (await query(db, "SELECT password_hash FROM users"))[0].password_hash;
  const installSeeds = readSeedDir(path.join(dir, "seeds"));
  const code = await becomesPaid(reg.tenantId, "PREMIUM");
  const res = await connect(db, ["--install-code", code]);
  expect(res.code).toBe(0);
  const out = JSON.parse(res.stdout);
  expect(out).toMatchObject({
    ok: true,
    command: "connect",
    tenantId: reg.tenantId,
    edition: "PREMIUM",
    previousEdition: "ESSENTIALS",
    licensed: true,
    applianceId: "edge-1",
    adminPassword: "untouched",
    reinstalled: true,
  });
  expect(out.features).toContain("MOBILE_ACCESS");

  // same tenant id, no new tenant row, the admin password untouched
  expect(await query(db, "SELECT tenant_id FROM tenants")).toEqual([{ tenant_id: reg.tenantId }]);
  expect((await query(db, "SELECT password_hash FROM users"))[0].password_hash).toBe(hashBefore);
  expect(await verify(hashBefore, PASSWORD)).toBe(true);
  const state = await licenseState(db);
  expect(state).toMatchObject({ edition: "PREMIUM", appliance_id: "edge-1", check_in_url: `${t.url}/graphql`, license_url: t.url, last_check_in_error: null });
  expect(state.appliance_credential).toMatch(/^alc_/);
  expect(claimsOf(state.license_token)).toMatchObject({ aud: reg.tenantId, sub: "edge-1", edition: "PREMIUM" });
  // the license seed agrees, so a bootstrap re-run (chart upgrade) keeps the upgrade
  expect(readSeedDir(path.join(dir, "seeds"))).toMatchObject({ EDITION: "PREMIUM", APPLIANCE_CREDENTIAL: state.appliance_credential });
  const status = await licenseCli(["status", "--json"], { APPLIANCE_DATABASE_URL: db });
  expect(JSON.parse(status.stdout)).toMatchObject({ edition: "PREMIUM", licensed: true, verification: { result: "valid" } });

  // the chart's bootstrap Job re-run (an upgrade) with the install's older ESSENTIALS seeds keeps the upgrade,
  // and of two writers the newer redemption wins whatever the order
  expect(await createTenant(db, installSeeds)).toMatchObject({ status: "already-bootstrapped", edition: "PREMIUM" });
  const older = await withApplianceDb(db, (c) =>
    replaceLicense(c, reg.tenantId, {
      edition: "ESSENTIALS",
      applianceId: "edge-1",
      token: null,
      expiresAt: null,
      credential: null,
      checkInUrl: null,
      licenseUrl: null,
      keyChain: null,
      timeFloor: null,
      redeemedAt: new Date(installSeeds.REDEEMED_AT!),
    }),
  );
  expect(older).toBe(false);
  expect((await licenseState(db)).edition).toBe("PREMIUM");

  await secondAfter(state.license_token); // licenses of one second are ordered by jti: the next one must be of a later second to replace it
  const checkIn = await checkInCli(["--no-spread", "--json"], { APPLIANCE_DATABASE_URL: db });
  expect(checkIn.code).toBe(0);
  expect(JSON.parse(checkIn.stdout)).toMatchObject({ status: "refreshed", edition: "PREMIUM" });
  const after = await licenseState(db);
  expect(claimsOf(after.license_token).jti).not.toBe(claimsOf(state.license_token).jti);
  expect(claimsOf(after.license_token).aud).toBe(reg.tenantId);
  expect(await t.plane.services.prisma.tenantRegistry.count({ where: { id: reg.tenantId } })).toBe(1);
});

it("a lost answer to connect's redemption (the proxy resets after the API processed it): the retry with the kept redemption key recovers it", async () => {
  const { reg, db } = await essentialsAppliance("Lost Answer AG");
  const code = await becomesPaid(reg.tenantId);
  const proxy = await startFaultyProxy(t.url);
  try {
    proxy.dropResponsesTo(/redeemInstallCode/);
    const res = await connect(db, ["--install-code", code, "--license-url", proxy.url]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({
      ok: true,
      command: "connect",
      tenantId: reg.tenantId,
      edition: "PRO",
      previousEdition: "ESSENTIALS",
      replayed: true,
    });
    expect(proxy.withheld).toHaveLength(1);
    const lost = JSON.parse(proxy.withheld[0]!).data.redeemInstallCode;
    const state = await licenseState(db);
    expect(state.appliance_credential).toMatch(/^alc_/);
    expect(state.appliance_credential).not.toBe(lost.applianceCredential);
    expect((await checkInCli(["--no-spread"], { APPLIANCE_DATABASE_URL: db })).code).toBe(0);
    expect(codeOf(await t.gql(CHECK_IN, { input: { applianceId: "edge-1" } }, { token: lost.applianceCredential }))).toBe("UNAUTHENTICATED");
  } finally {
    await proxy.stop();
  }
}, 90_000);

it("refusals before the code is spent: another organisation's code, a code without a paid license", async () => {
  const { reg, db } = await essentialsAppliance("Mine GmbH");
  const other = await register(t, "PRO", "Theirs GmbH");
  const res = await connect(db, ["--install-code", other.installCode]);
  expect(res.code).toBe(4);
  expect(JSON.parse(res.stdout).error).toMatchObject({ code: "OTHER_TENANT", detail: expect.stringContaining("This code is for Theirs GmbH") });
  expect((await t.plane.services.prisma.installCode.findFirstOrThrow({ where: { tenantId: other.tenantId } })).consumedAt).toBeNull();

  const free = (await t.gql(REISSUE, { input: { tenantId: reg.tenantId } }, { token: t.keys.store })).data.reissueInstallCode.installCode;
  const notPaid = await connect(db, ["--install-code", free]);
  expect(notPaid.code).toBe(4);
  expect(JSON.parse(notPaid.stdout).error).toMatchObject({ code: "NOT_PAID", title: "This code carries no paid license" });

  expect((await licenseState(db)).edition).toBe("ESSENTIALS");
});

it("connect needs an installed appliance and its database (exit 10 / exit 2, JSON)", async () => {
  const empty = await applianceDb();
  const res = await connect(empty, ["--install-code", "ABCD-EFGH-JKMN-PQRS-TVW0"]);
  // a malformed code is said first (nothing sent); a good one on an empty database: not installed
  expect(res.code).toBe(3);
  const reg = await register(t);
  const notInstalled = await connect(empty, ["--install-code", reg.installCode]);
  expect(notInstalled.code).toBe(10);
  expect(JSON.parse(notInstalled.stdout).error).toMatchObject({ code: "NOT_BOOTSTRAPPED", action: "Run alga-setup (the first-boot setup) instead." });
  const noDb = await setupCli(["connect", "--install-code", reg.installCode], { APPLIANCE_DATABASE_URL: "" });
  expect(noDb.code).toBe(2);
  expect(JSON.parse(noDb.stdout).error.detail).toMatch(/APPLIANCE_DATABASE_URL: connect updates the installed appliance's database/);
});

it("the wizard's connect screens: the installed appliance, the code, connected; the next check-in refreshes", async () => {
  const { reg, db } = await essentialsAppliance("Wizard Upgrade SA");
  const code = await becomesPaid(reg.tenantId);
  const finished: unknown[] = [];
  const app = render(
    <Wizard
      settings={{
        command: "connect",
        applianceId: "",
        stateDir: path.join(dir, "state"),
        target: { outputDir: path.join(dir, "seeds") },
        databaseUrl: db,
        graceSeconds: 72 * 3600,
      }}
      onFinish={(r) => finished.push(r)}
    />,
  );
  const until = async (text: string | RegExp) => {
    const deadline = Date.now() + 20_000;
    const frame = () => (app.lastFrame() ?? "").replace(/[│╭╮╰╯─┌┐└┘]/g, " ").replace(/\s+/g, " ");
    while (!(typeof text === "string" ? frame().includes(text) : text.test(frame()))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${text}; screen:\n${app.lastFrame()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await until("Alga appliance: connect a license");
  await until(`Organisation: Wizard Upgrade SA`);
  await until("Edition now: ESSENTIALS");
  app.stdin.write("\r");
  await until("Install code:");
  app.stdin.write(`${code}\r`);
  await until("The appliance is connected to its license.");
  await until(/Edition: PRO — licensed until \d{4}-\d\d-\d\d/);
  await until("The administrator's password is untouched.");
  expect(app.frames.join("\n")).not.toContain("Admin password");
  app.stdin.write("\r");
  expect(finished).toHaveLength(1);
  app.unmount();
  expect((await licenseState(db)).edition).toBe("PRO");
  await secondAfter((await licenseState(db)).license_token); // licenses of one second are ordered by jti: the next one must be of a later second to replace it
  const checkIn = await checkInCli(["--no-spread"], { APPLIANCE_DATABASE_URL: db });
  expect(checkIn.code).toBe(0);
  expect(checkIn.stdout).toContain("license refreshed (PRO)");
});
