// The appliance side as an operator runs it: alga-setup non-interactive, create-tenant on a real
// PostgreSQL, and the check-in agent against the real API — each as the compiled CLI process.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { verify } from "@node-rs/argon2";
import { generateInstallCode } from "../api/src/domain/install-code.js";
import { createTenant } from "../setup-tui/src/bootstrap/create-tenant.js";
import { runCheckIn } from "../setup-tui/src/checkin/agent.js";
import { readSeedDir } from "../setup-tui/src/seeds.js";
import {
  applianceDb,
  checkInCli,
  claimsOf,
  createTenantCli,
  fakeKubectl,
  licenseState,
  PASSWORD,
  query,
  register as registerOn,
  resealed,
  secondAfter,
  setupCli,
} from "./helpers/appliance.js";
import { CHECK_IN, codeOf, REDEEM, REISSUE, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { startFaultyProxy } from "./helpers/faulty-proxy.js";
import { holdingProxy } from "./helpers/holding-proxy.js";

let t: TestPlane;
let dir: string;
beforeAll(async () => {
  t = await startTestPlane();
});
afterAll(() => t.stop());
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "alga-appliance-"));
  writeFileSync(path.join(dir, "password"), `${PASSWORD}\n`, { mode: 0o600 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const register = (edition = "PRO") => registerOn(t, edition);
const setup = (args: string[], env: Record<string, string> = {}) => setupCli(args, { ALGA_STATE_DIR: path.join(dir, "state"), ...env });
const seedsDir = () => path.join(dir, "seeds");
const install = (code: string, extra: string[] = []) =>
  setup(["--install-code", code, "--admin-password-file", path.join(dir, "password"), "--license-url", t.url, "--output", seedsDir(), ...extra]);

describe("alga-setup non-interactive", () => {
  it("redeems, writes both seeds (0600) with the pinned vendor keys, and prints a machine-readable result", async () => {
    const reg = await register();
    const res = await install(reg.installCode);
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({
      ok: true,
      command: "setup",
      tenantId: reg.tenantId,
      edition: "PRO",
      licensed: true,
      companyName: "Appliance PRO GmbH",
      features: expect.arrayContaining(["MOBILE_ACCESS"]),
    });
    expect(out.adminPassword).toMatch(/^set: the bootstrap creates the administrator/);
    expect(out.applianceId).toMatch(/^appl-[0-9a-f]{20}$/); // derived from the machine and persisted
    expect(readFileSync(path.join(dir, "state", "appliance-id"), "utf8").trim()).toBe(out.applianceId);
    expect(statSync(path.join(seedsDir(), "appliance-license-seed.yaml")).mode & 0o777).toBe(0o600);
    const seeds = readSeedDir(seedsDir());
    expect(seeds).toMatchObject({ INITIAL_TENANT_ID: reg.tenantId, INITIAL_ADMIN_PASSWORD: PASSWORD, EDITION: "PRO" });
    expect(JSON.parse(seeds.LICENSE_VENDOR_KEYS!).payload).toBeDefined();
    expect(res.stdout).not.toContain(PASSWORD);
  });

  it("exit codes per failure kind, with the way out in the JSON", async () => {
    const pw = path.join(dir, "password");
    const base = ["--admin-password-file", pw, "--license-url", t.url, "--output", seedsDir()];
    const malformed = await setup(["--install-code", "ABCD-EFGH", ...base]);
    expect(malformed.code).toBe(3);
    expect(JSON.parse(malformed.stdout).error).toMatchObject({ code: "MALFORMED_INSTALL_CODE", detail: expect.stringContaining("this one has 8") });
    const reg = await register();
    const canonical = reg.installCode.replace(/-/g, "");
    const typo = await setup(["--install-code", canonical.slice(0, 19) + (canonical[19] === "7" ? "8" : "7"), ...base]);
    expect(typo.code).toBe(3);
    // the check character explained, as the wizard does (never "local check failed: CHECK")
    expect(JSON.parse(typo.stdout).error.detail).toMatch(/the last character is a check character computed from the others/);
    expect(typo.stdout).not.toContain("local check failed");

    const unknown = await setup(["--install-code", generateInstallCode(), ...base]);
    expect(unknown.code).toBe(4);
    expect(JSON.parse(unknown.stdout).error).toMatchObject({ code: "INVALID_INSTALL_CODE", action: expect.stringContaining("re-issue an install code") });
    const used = await register();
    await t.gql(REDEEM, { input: { installCode: used.installCode, applianceId: "other" } });
    const usedRes = await setup(["--install-code", used.installCode, ...base]);
    expect(usedRes.code).toBe(4);
    expect(JSON.parse(usedRes.stdout).error).toMatchObject({ code: "CONSUMED_INSTALL_CODE", title: "Install code already used" });
    const suspended = await register();
    await t.plane.services.prisma.tenantRegistry.update({ where: { id: suspended.tenantId }, data: { status: "SUSPENDED" } });
    expect((await setup(["--install-code", suspended.installCode, ...base])).code).toBe(5);
    const weak = path.join(dir, "weak");
    writeFileSync(weak, "password1");
    const weakRes = await setup(["--install-code", reg.installCode, "--admin-password-file", weak, "--license-url", t.url]);
    expect(weakRes.code).toBe(2);
    expect(JSON.parse(weakRes.stdout).error.code).toBe("WEAK_PASSWORD");
    // nothing was consumed by the refusals before the redemption
    expect((await t.plane.services.prisma.installCode.findFirstOrThrow({ where: { tenantId: reg.tenantId } })).consumedAt).toBeNull();
  });

  it("another organisation's code on a bootstrapped appliance: exit 4, unused, with advice that fits a script (no wizard keys)", async () => {
    const mine = await registerOn(t, "PRO", "Mine Scripted Ltd");
    const theirs = await registerOn(t, "PRO", "Theirs Scripted Ltd");
    const db = await applianceDb();
    await createTenant(db, {
      INITIAL_TENANT_ID: mine.tenantId,
      INITIAL_ADMIN_PASSWORD: PASSWORD,
      INITIAL_COMPANY_NAME: "Mine Scripted Ltd",
      EDITION: "ESSENTIALS",
    });
    const res = await setup(["--install-code", theirs.installCode, "--license-url", t.url], { APPLIANCE_DATABASE_URL: db });
    expect(res.code).toBe(4);
    const error = JSON.parse(res.stdout).error;
    expect(error).toMatchObject({ code: "OTHER_TENANT", detail: expect.stringContaining("Theirs Scripted Ltd") });
    expect(error.action).not.toMatch(/Esc|press/i);
    expect(error.action).toMatch(/not used/);
    expect((await t.plane.services.prisma.installCode.findFirstOrThrow({ where: { tenantId: theirs.tenantId } })).consumedAt).toBeNull();
  });

  it("usage errors are JSON too (exit 2), each naming the flag or variable", async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [["--install-code", generateInstallCode()], { ALGA_LICENSE_URL: t.url }, /--admin-password-file \/ ALGA_ADMIN_PASSWORD_FILE/],
      [
        ["--install-code", generateInstallCode(), "--admin-password-file", path.join(dir, "password")],
        {},
        /--license-url \/ ALGA_LICENSE_URL: the license service URL is required/,
      ],
      [["--install-code", "X", "--license-url", "license.example.com"], {}, /--license-url \/ ALGA_LICENSE_URL: "license.example.com" is not a URL/],
      [["--install-code", "X", "--bogus"], {}, /Unknown option '--bogus'/],
      [["--install-code", "X", "--admin-password-file", path.join(dir, "nope")], { ALGA_LICENSE_URL: t.url }, /the admin password file .*nope does not exist/],
      [["--install-code", "X"], { ALGA_LICENSE_URL: t.url, APPLIANCE_DATABASE_URL: "mysql://db/x" }, /APPLIANCE_DATABASE_URL: must start with postgresql:\/\//],
      [["frobnicate", "--install-code", "X"], { ALGA_LICENSE_URL: t.url }, /unknown command "frobnicate"/],
    ];
    for (const [args, env, expected] of cases) {
      const res = await setup(args, env);
      expect([args.join(" "), res.code]).toEqual([args.join(" "), 2]);
      const out = JSON.parse(res.stdout);
      expect(out).toMatchObject({ ok: false, error: { code: "USAGE", action: "See alga-setup --help." } });
      expect(out.error.detail).toMatch(expected);
      // a URL given without its scheme is one problem (not a URL), not also "required"
      if (args.includes("license.example.com")) expect(out.error.detail).not.toMatch(/is required/);
      expect(res.stderr).toBe("");
    }
  });

  it("vendor keys shipped with the image (ALGA_VENDOR_KEYS): a service whose keys they do not vouch for is refused before the code is spent (exit 9)", async () => {
    const stranger = { kty: "OKP", crv: "Ed25519", kid: "someone-else", alg: "EdDSA", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" };
    const reg2 = await register();
    const wrong = await setup(
      ["--install-code", reg2.installCode, "--admin-password-file", path.join(dir, "password"), "--license-url", t.url, "--output", seedsDir()],
      {
        ALGA_VENDOR_KEYS: JSON.stringify({ keys: [stranger] }),
      },
    );
    expect(wrong.code).toBe(9);
    expect(JSON.parse(wrong.stdout).error).toMatchObject({
      code: "KEYS_NOT_TRUSTED",
      detail: expect.stringContaining("not signed by a vendor key shipped with this appliance"),
    });
    expect((await t.plane.services.prisma.installCode.findFirstOrThrow({ where: { tenantId: reg2.tenantId } })).consumedAt).toBeNull();
    // the vendor's real keys, as a file in the image
    const jwks = await (await fetch(`${t.url}/.well-known/jwks.json`)).json();
    writeFileSync(path.join(dir, "vendor-keys.json"), JSON.stringify(jwks));
    const right = await setup(
      ["--install-code", reg2.installCode, "--admin-password-file", path.join(dir, "password"), "--license-url", t.url, "--output", seedsDir()],
      {
        ALGA_VENDOR_KEYS: path.join(dir, "vendor-keys.json"),
      },
    );
    expect(right.code).toBe(0);
    const bad = await setup(["--install-code", reg2.installCode], { ALGA_LICENSE_URL: t.url, ALGA_VENDOR_KEYS: "{not json" });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error.detail).toMatch(/^ALGA_VENDOR_KEYS: vendor keys must be JSON/);
  });

  it("service unreachable exits 6 after retrying", async () => {
    const res = await setup([
      "--install-code",
      generateInstallCode(),
      "--admin-password-file",
      path.join(dir, "password"),
      "--license-url",
      "http://127.0.0.1:9",
    ]);
    expect(res.code).toBe(6);
    const error = JSON.parse(res.stdout).error;
    expect(error.code).toBe("UNREACHABLE");
    expect(error.detail).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9/);
  }, 90_000);

  it("a failure to apply after the code was consumed exits 7 and says a re-issued code is needed", async () => {
    const reg = await register();
    const file = path.join(dir, "file-not-dir");
    writeFileSync(file, "x");
    const res = await setup(["--install-code", reg.installCode, "--admin-password-file", path.join(dir, "password"), "--license-url", t.url, "--output", file]);
    expect(res.code).toBe(7);
    expect(JSON.parse(res.stdout).error).toMatchObject({ code: "APPLY_FAILED", action: expect.stringContaining("re-issued install code") });
  });

  it("kubectl: Secrets are created, or replaced when they exist — never `kubectl apply`, so no last-applied copy of the password or credential", async () => {
    const reg = await register();
    const k = fakeKubectl(dir);
    const first = await setup([
      "--install-code",
      reg.installCode,
      "--admin-password-file",
      path.join(dir, "password"),
      "--license-url",
      t.url,
      "--kubectl",
      k.path,
      "--namespace",
      "alga",
    ]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).applied).toEqual(["created Secret appliance-initial-tenant in alga", "created Secret appliance-license-seed in alga"]);
    // a reinstall of the same appliance: the Secrets exist and are replaced whole
    const again = (await t.gql(REISSUE, { input: { tenantId: reg.tenantId } }, { token: t.keys.store })).data.reissueInstallCode.installCode;
    const second = await setup([
      "--install-code",
      again,
      "--admin-password-file",
      path.join(dir, "password"),
      "--license-url",
      t.url,
      "--kubectl",
      k.path,
      "--namespace",
      "alga",
    ]);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).applied).toEqual(["replaced Secret appliance-initial-tenant in alga", "replaced Secret appliance-license-seed in alga"]);
    // the console read the Secret left by the first run (password still in it): it cannot know whether the bootstrap ran
    expect(JSON.parse(second.stdout).adminPassword).toMatch(/^set in the seed: it takes effect only if the appliance database has no administrator yet/);

    const calls = readFileSync(k.log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { args: string[]; stdin: string });
    expect(calls.map((c) => c.args.join(" "))).toEqual([
      "get secret appliance-initial-tenant --output=json --namespace alga",
      "create --filename=- --namespace alga",
      "create --filename=- --namespace alga",
      "get secret appliance-initial-tenant --output=json --namespace alga",
      "create --filename=- --namespace alga",
      "replace --filename=- --namespace alga",
      "create --filename=- --namespace alga",
      "replace --filename=- --namespace alga",
    ]);
    for (const c of calls) {
      expect(c.args).not.toContain("apply");
      expect(c.args).not.toContain("--save-config");
      expect(c.stdin).not.toContain("last-applied-configuration");
    }
    expect(calls[1]!.stdin).toContain(`INITIAL_TENANT_ID: ${reg.tenantId}`);
    expect(calls[2]!.stdin).toContain("APPLIANCE_CREDENTIAL: alc_");
  });
});

describe("a lost redeem answer (a proxy resets the connection after the API processed the redemption)", () => {
  const seatsOf = async (tenantId: string) =>
    (await t.gql(`query($id: ID!) { tenant(id: $id) { seatsUsed appliances { applianceId credentialActive } } }`, { id: tenantId }, { token: t.keys.support }))
      .data.tenant;
  const checkInWith = (credential: string, applianceId: string) => t.gql(CHECK_IN, { input: { applianceId } }, { token: credential });

  it("alga-setup's retry sends its kept redemption key: the redemption is replayed, the seeds hold a working credential, the lost one is dead, 1 seat", async () => {
    const reg = await register();
    const proxy = await startFaultyProxy(t.url);
    try {
      proxy.dropResponsesTo(/redeemInstallCode/);
      const res = await setup([
        "--install-code",
        reg.installCode,
        "--admin-password-file",
        path.join(dir, "password"),
        "--license-url",
        proxy.url,
        "--output",
        seedsDir(),
        "--appliance-id",
        "lost-answer-box",
      ]);
      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout)).toMatchObject({
        ok: true,
        tenantId: reg.tenantId,
        edition: "PRO",
        licensed: true,
        replayed: true,
        applianceId: "lost-answer-box",
      });
      expect(proxy.withheld).toHaveLength(1);
      const lost = JSON.parse(proxy.withheld[0]!).data.redeemInstallCode;
      expect(lost.tenantId).toBe(reg.tenantId);

      // the appliance boots from its seeds and checks in (the real agent); the lost credential no longer works
      const seeds = readSeedDir(seedsDir());
      expect(seeds.APPLIANCE_CREDENTIAL).toMatch(/^alc_/);
      expect(seeds.APPLIANCE_CREDENTIAL).not.toBe(lost.applianceCredential);
      const db = await applianceDb();
      await createTenant(db, seeds);
      expect((await checkInCli(["--no-spread"], { APPLIANCE_DATABASE_URL: db })).code).toBe(0);
      expect(codeOf(await checkInWith(lost.applianceCredential, "lost-answer-box"))).toBe("UNAUTHENTICATED");
      expect(await seatsOf(reg.tenantId)).toEqual({ seatsUsed: 1, appliances: [{ applianceId: "lost-answer-box", credentialActive: true }] });
      // applied: the key is gone, so a later run with this code is refused as used
      expect(existsSync(path.join(dir, "state", "redemption-key"))).toBe(false);
    } finally {
      await proxy.stop();
    }
  }, 90_000);

  it("every answer lost until the run gives up (exit 6): the next run with the same code (a restart) reuses the kept key and recovers", async () => {
    const reg = await register();
    const proxy = await startFaultyProxy(t.url);
    try {
      proxy.dropResponsesTo(/redeemInstallCode/, 5);
      const args = [
        "--install-code",
        reg.installCode,
        "--admin-password-file",
        path.join(dir, "password"),
        "--license-url",
        proxy.url,
        "--output",
        seedsDir(),
        "--appliance-id",
        "restarted-box",
      ];
      const gaveUp = await setup(args);
      expect(gaveUp.code).toBe(6);
      expect(proxy.withheld).toHaveLength(5);
      const kept = JSON.parse(readFileSync(path.join(dir, "state", "redemption-key"), "utf8"));
      expect(kept).toMatchObject({ applianceId: "restarted-box", key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
      expect(statSync(path.join(dir, "state", "redemption-key")).mode & 0o777).toBe(0o600);
      expect(JSON.stringify(kept)).not.toContain(reg.installCode.replace(/-/g, ""));
      // another box with another key is still refused
      expect(codeOf(await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId: "restarted-box", redemptionKey: "not-the-key" } }))).toBe(
        "CONSUMED_INSTALL_CODE",
      );

      const again = await setup(args);
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, tenantId: reg.tenantId, replayed: true });
      const seeds = readSeedDir(seedsDir());
      expect((await checkInWith(seeds.APPLIANCE_CREDENTIAL!, "restarted-box")).data.checkIn.tenantId).toBe(reg.tenantId);
      for (const body of proxy.withheld)
        expect(codeOf(await checkInWith(JSON.parse(body).data.redeemInstallCode.applianceCredential, "restarted-box"))).toBe("UNAUTHENTICATED");
      expect((await seatsOf(reg.tenantId)).seatsUsed).toBe(1);
    } finally {
      await proxy.stop();
    }
  }, 120_000);
});

describe("create-tenant", () => {
  const createTenantRun = (env: Record<string, string>, args: string[] = []) => createTenantCli(args, env);

  it("adopts INITIAL_TENANT_ID, hashes the admin password, seeds license_state with the pinned keys; a rerun is a no-op", async () => {
    const reg = await register("PREMIUM");
    expect((await install(reg.installCode, ["--appliance-id", "boot-1"])).code).toBe(0);
    const db = await applianceDb();
    const first = await createTenantRun({ APPLIANCE_DATABASE_URL: db }, ["--seed-dir", seedsDir()]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`created tenant ${reg.tenantId} (PREMIUM)`);
    const again = await createTenantRun({ APPLIANCE_DATABASE_URL: db }, ["--seed-dir", seedsDir()]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already bootstrapped");

    expect(await query(db, "SELECT tenant_id, company_name FROM tenants")).toEqual([{ tenant_id: reg.tenantId, company_name: "Appliance PREMIUM GmbH" }]);
    const users = await query(db, "SELECT email, role, password_hash FROM users");
    expect(users).toHaveLength(1);
    expect(users[0].role).toBe("admin");
    expect(users[0].password_hash).toMatch(/^\$argon2id\$/);
    expect(await verify(users[0].password_hash, PASSWORD)).toBe(true);
    const state = await licenseState(db);
    expect(state).toMatchObject({ tenant_id: reg.tenantId, edition: "PREMIUM", appliance_id: "boot-1", check_in_url: `${t.url}/graphql`, license_url: t.url });
    expect(state.license_token.split(".")).toHaveLength(3);
    expect(state.license_expires_at.getTime()).toBeGreaterThan(Date.now() + 29 * 86400e3);
    expect(state.vendor_keys.signatures.length).toBeGreaterThanOrEqual(1);
  });

  it("--seed-dir pointing nowhere says the folder is missing (exit 2), not that a password is required", async () => {
    const res = await createTenantRun({ APPLIANCE_DATABASE_URL: await applianceDb() }, ["--seed-dir", "./nope"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("--seed-dir / ALGA_SEED_DIR: the seed folder ./nope does not exist");
    expect(res.stderr).not.toContain("INITIAL_ADMIN_PASSWORD");
  });

  it("usage problems exit 2 and name the setting", async () => {
    const noDb = await createTenantRun({ APPLIANCE_DATABASE_URL: "" });
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toContain("APPLIANCE_DATABASE_URL: is required");
    const bogus = await createTenantRun({ APPLIANCE_DATABASE_URL: await applianceDb() }, ["--frobnicate"]);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain("Unknown option '--frobnicate'");
  });

  it("a different tenant id on a bootstrapped database is a clear error (exit 3)", async () => {
    const db = await applianceDb();
    const a = "11111111-1111-4111-8111-111111111111";
    await createTenant(db, { INITIAL_TENANT_ID: a, INITIAL_ADMIN_PASSWORD: PASSWORD, EDITION: "ESSENTIALS" });
    const res = await createTenantRun({
      APPLIANCE_DATABASE_URL: db,
      INITIAL_TENANT_ID: "22222222-2222-4222-8222-222222222222",
      INITIAL_ADMIN_PASSWORD: PASSWORD,
      EDITION: "ESSENTIALS",
    });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`already bootstrapped for tenant ${a}`);
  });

  it("without INITIAL_TENANT_ID the database generates the id; essentials gets no token", async () => {
    const db = await applianceDb();
    const r = await createTenant(db, { INITIAL_ADMIN_PASSWORD: PASSWORD, EDITION: "ESSENTIALS" });
    expect(r).toMatchObject({ status: "created", edition: "ESSENTIALS", tenantId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect((await createTenant(db, { INITIAL_ADMIN_PASSWORD: PASSWORD, EDITION: "ESSENTIALS" })).status).toBe("already-bootstrapped");
  });

  it("concurrent bootstraps of one database create one tenant", async () => {
    const db = await applianceDb();
    const id = "33333333-3333-4333-8333-333333333333";
    const results = await Promise.all(
      [1, 2, 3].map(() => createTenant(db, { INITIAL_TENANT_ID: id, INITIAL_ADMIN_PASSWORD: PASSWORD, EDITION: "ESSENTIALS" })),
    );
    expect(results.filter((r) => r.status === "created")).toHaveLength(1);
  });

  it("rejects bad seeds: a paid edition without its license seed is an error, never a silent essentials install", async () => {
    const db = await applianceDb();
    await expect(createTenant(db, { INITIAL_TENANT_ID: "nope", INITIAL_ADMIN_PASSWORD: PASSWORD, EDITION: "ESSENTIALS" })).rejects.toThrow(/must be a UUID/);
    await expect(createTenant(db, { INITIAL_TENANT_ID: "44444444-4444-4444-8444-444444444444", EDITION: "ESSENTIALS" })).rejects.toThrow(
      /INITIAL_ADMIN_PASSWORD is required: tenant .* has no admin user yet/,
    );
    await expect(createTenant(db, { INITIAL_ADMIN_PASSWORD: PASSWORD, EDITION: "PRO" })).rejects.toThrow(/the paid edition PRO needs LICENSE_TOKEN/);
    // the wizard wrote a paid install's seeds, but the license seed did not make it
    const reg = await register();
    expect((await install(reg.installCode)).code).toBe(0);
    rmSync(path.join(seedsDir(), "appliance-license-seed.yaml"));
    const res = await createTenantRun({ APPLIANCE_DATABASE_URL: db }, ["--seed-dir", seedsDir()]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(
      /EDITION is not set: the license seed \(Secret appliance-license-seed, or appliance-license-seed\.yaml in the seed folder\) is missing/,
    );
    // refused before anything was written
    expect(await query(db, "SELECT to_regclass('tenants')::text AS t")).toEqual([{ t: null }]);
  });

  it("refuses a license seed whose token does not verify (forged, or another tenant's)", async () => {
    const a = await register();
    const b = await register();
    expect((await install(a.installCode)).code).toBe(0);
    const seeds = readSeedDir(seedsDir());
    const token = seeds.LICENSE_TOKEN!;
    const [h, p, sig] = token.split(".");
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claimsOf(token), edition: "PREMIUM" })).toString("base64url")}.${sig}`;
    // the forgery is the genuine header and signature over a payload that differs in the edition alone
    // (so only the signature can give it away)
    expect(claimsOf(token).edition).toBe("PRO");
    expect(forged.split(".")[1]).not.toBe(p);
    expect(claimsOf(forged)).toEqual({ ...claimsOf(token), edition: "PREMIUM" });
    // with a digest that matches again (an edited seed): the token's own signature is what refuses it
    const forgedRes = await createTenantRun({ APPLIANCE_DATABASE_URL: await applianceDb(), ...resealed({ ...seeds, LICENSE_TOKEN: forged }) });
    expect(forgedRes.code).toBe(2);
    expect(forgedRes.stderr).toContain("LICENSE_TOKEN was refused: the license's signature does not verify");
    const otherTenant = await createTenantRun({ APPLIANCE_DATABASE_URL: await applianceDb(), ...resealed({ ...seeds, INITIAL_TENANT_ID: b.tenantId }) });
    expect(otherTenant.code).toBe(2);
    expect(otherTenant.stderr).toContain(`LICENSE_TOKEN was refused: the license is for tenant ${a.tenantId}, not for this appliance's tenant ${b.tenantId}`);
  });

  it("INITIAL_ADMIN_PASSWORD is needed only while the admin user does not exist (the chart clears it after the bootstrap)", async () => {
    const reg = await register("ESSENTIALS");
    expect((await install(reg.installCode)).code).toBe(0);
    const db = await applianceDb();
    const seeds = readSeedDir(seedsDir());
    expect((await createTenantRun({ APPLIANCE_DATABASE_URL: db, ...seeds })).code).toBe(0);
    const { INITIAL_ADMIN_PASSWORD: _cleared, ...withoutPassword } = seeds;
    const rerun = await createTenantRun({ APPLIANCE_DATABASE_URL: db, ...withoutPassword, INITIAL_ADMIN_PASSWORD: "" });
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain("already bootstrapped");
  });
});

describe("reinstall on a surviving appliance database", () => {
  it("same tenant: a newer redemption refreshes license_state (credential, token, edition, check-in URL, appliance id); the next check-in works; the admin keeps its password", async () => {
    const reg = await register();
    expect((await install(reg.installCode, ["--appliance-id", "box-a"])).code).toBe(0);
    const db = await applianceDb();
    expect((await createTenantCli(["--seed-dir", seedsDir()], { APPLIANCE_DATABASE_URL: db })).code).toBe(0);
    const before = await licenseState(db);

    // the appliance is reinstalled (new disk for the console, same database): a re-issued code
    const code = (await t.gql(REISSUE, { input: { tenantId: reg.tenantId } }, { token: t.keys.store })).data.reissueInstallCode.installCode;
    const reinstall = await setup(["--install-code", code, "--license-url", t.url, "--output", seedsDir(), "--appliance-id", "box-b"], {
      APPLIANCE_DATABASE_URL: db,
    });
    expect(reinstall.code).toBe(0);
    // the database says the admin exists: no password needed, none written
    expect(JSON.parse(reinstall.stdout).adminPassword).toMatch(/^unchanged/);
    expect(readSeedDir(seedsDir()).INITIAL_ADMIN_PASSWORD).toBeUndefined();
    const boot = await createTenantCli(["--seed-dir", seedsDir()], { APPLIANCE_DATABASE_URL: db });
    expect(boot.code).toBe(0);
    expect(boot.stdout).toContain(`tenant ${reg.tenantId} was bootstrapped before: license_state now holds the newer redemption (PRO)`);
    const after = await licenseState(db);
    expect(after.appliance_credential).not.toBe(before.appliance_credential);
    expect(after.license_token).not.toBe(before.license_token);
    expect(after.appliance_id).toBe("box-b");
    expect(after.last_check_in_error).toBeNull();
    expect(await verify((await query(db, "SELECT password_hash FROM users"))[0].password_hash, PASSWORD)).toBe(true);

    await secondAfter(after.license_token); // licenses of one second are ordered by jti: the next one must be of a later second to replace it
    const checkIn = await checkInCli(["--no-spread", "--json"], { APPLIANCE_DATABASE_URL: db });
    expect(checkIn.code).toBe(0);
    expect(JSON.parse(checkIn.stdout)).toMatchObject({ status: "refreshed", edition: "PRO" });
    // re-running the bootstrap with the older seeds of the first install changes nothing
    expect(
      (await createTenantCli([], { APPLIANCE_DATABASE_URL: db, ...resealed({ ...readSeedDir(seedsDir()), REDEEMED_AT: before.redeemed_at.toISOString() }) }))
        .stdout,
    ).toContain("already bootstrapped");
  });
});

describe("a check-in racing a reinstall on the same database", () => {
  it("the check-in's answer arriving after the reinstall replaced license_state is not stored over it", async () => {
    const reg = await register();
    expect((await install(reg.installCode, ["--appliance-id", "race-1"])).code).toBe(0);
    const db = await applianceDb();
    await createTenant(db, readSeedDir(seedsDir()));
    const proxy = await holdingProxy(t.url);
    try {
      await query(db, "UPDATE license_state SET check_in_url = $1", [`${proxy.url}/graphql`]);
      // the check-in's request reaches the service; its answer is held back
      const checkIn = runCheckIn({ databaseUrl: db, attempts: 1 });
      await proxy.forwarded;
      // meanwhile the appliance is reinstalled with a re-issued code, and the bootstrap refreshes license_state
      const code = (await t.gql(REISSUE, { input: { tenantId: reg.tenantId } }, { token: t.keys.store })).data.reissueInstallCode.installCode;
      const reinstall = await setup(["--install-code", code, "--license-url", t.url, "--output", seedsDir(), "--appliance-id", "race-1"], {
        APPLIANCE_DATABASE_URL: db,
      });
      expect(reinstall.code).toBe(0);
      expect((await createTenantCli(["--seed-dir", seedsDir()], { APPLIANCE_DATABASE_URL: db })).code).toBe(0);
      const reinstalled = await licenseState(db);
      proxy.release();
      expect(await checkIn).toMatchObject({ exitCode: 0, status: "superseded" });
      const after = await licenseState(db);
      expect(after).toMatchObject({
        appliance_credential: reinstalled.appliance_credential,
        license_token: reinstalled.license_token,
        last_check_in_error: null,
      });
      // and the next run works with the new credential
      await secondAfter(after.license_token);
      expect(await runCheckIn({ databaseUrl: db })).toMatchObject({ status: "refreshed" });
    } finally {
      await proxy.stop();
    }
  });

  it("a check-in refused because a reinstall already replaced the credential records nothing over the new state", async () => {
    const reg = await register();
    expect((await install(reg.installCode, ["--appliance-id", "race-2"])).code).toBe(0);
    const db = await applianceDb();
    await createTenant(db, readSeedDir(seedsDir()));
    const proxy = await holdingProxy(t.url);
    try {
      await query(db, "UPDATE license_state SET check_in_url = $1", [`${proxy.url}/graphql`]);
      // the reinstall's redemption retires the old credential; its bootstrap has not run yet
      const code = (await t.gql(REISSUE, { input: { tenantId: reg.tenantId } }, { token: t.keys.store })).data.reissueInstallCode.installCode;
      expect(
        (await setup(["--install-code", code, "--license-url", t.url, "--output", seedsDir(), "--appliance-id", "race-2"], { APPLIANCE_DATABASE_URL: db }))
          .code,
      ).toBe(0);
      const refused = runCheckIn({ databaseUrl: db, attempts: 1 });
      await proxy.forwarded; // refused with the old credential; the answer is held back
      await createTenant(db, readSeedDir(seedsDir()));
      proxy.release();
      expect(await refused).toMatchObject({ status: "refused", message: expect.stringContaining("UNAUTHENTICATED") });
      const after = await licenseState(db);
      expect(after).toMatchObject({ last_check_in_error: null, last_check_in_outcome: null });
      await secondAfter(after.license_token); // a license of the same second is ordered by jti
      expect(await runCheckIn({ databaseUrl: db })).toMatchObject({ status: "refreshed" });
    } finally {
      await proxy.stop();
    }
  });
});

describe("check-in agent", () => {
  async function bootstrapped(edition = "PRO") {
    const reg = await register(edition);
    const applianceId = `agent-${Math.random().toString(36).slice(2, 8)}`;
    expect((await install(reg.installCode, ["--appliance-id", applianceId])).code).toBe(0);
    const db = await applianceDb();
    await createTenant(db, readSeedDir(seedsDir()));
    return { reg, db, applianceId };
  }

  it("refreshes the token (verified: new jti, same aud) and stores it; the registry sees the check-in", async () => {
    const { reg, db, applianceId } = await bootstrapped();
    const before = await licenseState(db);
    await secondAfter(before.license_token); // licenses of one second are ordered by jti: the next one must be of a later second to replace it
    const res = await checkInCli(["--no-spread"], { APPLIANCE_DATABASE_URL: db, APPLIANCE_VERSION: "5.0.1" });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^check-in: license refreshed \(PRO\), valid until/);
    const after = await licenseState(db);
    expect(after.license_token).not.toBe(before.license_token);
    expect(claimsOf(after.license_token).jti).not.toBe(claimsOf(before.license_token).jti);
    expect(claimsOf(after.license_token).aud).toBe(reg.tenantId);
    expect(after).toMatchObject({ last_check_in_outcome: "refreshed", last_check_in_error: null });
    const appliance = await t.plane.services.prisma.appliance.findFirstOrThrow({ where: { applianceId, tenantId: reg.tenantId } });
    expect(appliance.reportedVersion).toBe("5.0.1");
    expect((await t.plane.services.prisma.tenantRegistry.findUniqueOrThrow({ where: { id: reg.tenantId } })).status).toBe("ACTIVE");
  });

  it("service down: keeps the current token, reports the time left once (no doubled text), exits non-zero only when the license is at risk", async () => {
    const { db } = await bootstrapped();
    await query(db, "UPDATE license_state SET check_in_url = 'http://127.0.0.1:9/graphql', license_url = 'http://127.0.0.1:9'");
    const token = (await licenseState(db)).license_token;
    const ok = await runCheckIn({ databaseUrl: db, attempts: 2, retryDelayMs: 10 });
    expect(ok).toMatchObject({ exitCode: 0, status: "kept-current-token" });
    expect(ok.message).toMatch(
      /^license service unreachable: cannot reach http:\/\/127\.0\.0\.1:9\/\.well-known\/license-keys\.jws \((ECONNREFUSED|bad port)\)\. Kept the current token: the current license stays valid for (29|30)d/,
    );
    expect(ok.message.match(/unreachable/g)).toHaveLength(1);
    await query(db, "UPDATE license_state SET license_expires_at = now() + interval '2 days'");
    const atRisk = await checkInCli(["--no-spread", "--attempts", "1"], { APPLIANCE_DATABASE_URL: db });
    expect(atRisk.code).toBe(0); // the verified token still has 29 days: the stored expiry is not trusted blindly
    const row = await licenseState(db);
    expect(row.license_token).toBe(token);
    expect(row.last_check_in_error).toMatch(/^UNREACHABLE: cannot reach/);
    expect(row.last_check_in_error).not.toMatch(/unreachable \(.*unreachable/);
    const risky = await runCheckIn({ databaseUrl: db, attempts: 1, warnDays: 40 });
    expect(risky.exitCode).toBe(3);
    expect(risky.message).toContain("restore connectivity to the license service");
  });

  it("suspended tenant: refused, exit 4, token kept", async () => {
    const { reg, db } = await bootstrapped();
    await t.plane.services.prisma.tenantRegistry.update({ where: { id: reg.tenantId }, data: { status: "SUSPENDED" } });
    const res = await checkInCli(["--no-spread", "--json"], { APPLIANCE_DATABASE_URL: db });
    expect(res.code).toBe(4);
    expect(JSON.parse(res.stdout)).toMatchObject({ status: "refused", message: expect.stringContaining("TENANT_SUSPENDED") });
  });

  it("a credential that was revoked or replaced: the message says the credential was not accepted (not 'send an API key')", async () => {
    const { reg, db, applianceId } = await bootstrapped();
    const revoke = `mutation { revokeApplianceCredential(applianceId: "${applianceId}", tenantId: "${reg.tenantId}") { applianceId } }`;
    expect((await t.gql(revoke, {}, { token: t.keys.admin })).errors).toBeUndefined();
    const res = await checkInCli(["--no-spread"], { APPLIANCE_DATABASE_URL: db });
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/UNAUTHENTICATED: the license service did not accept this appliance's credential: it was revoked or replaced/);
    const row = await licenseState(db);
    expect(row.last_check_in_error).toMatch(/^UNAUTHENTICATED: the license service did not accept this appliance's credential/);
    expect(row.last_check_in_error).not.toMatch(/API key/);
    expect(row.appliance_credential).toMatch(/^alc_/); // kept: a connect with a re-issued code replaces it
  });

  it("ENTITLEMENT_LAPSED: recorded, the credential and token kept, the operator told it runs as ESSENTIALS once the token expires (exit 5)", async () => {
    const { reg, db } = await bootstrapped();
    const before = await licenseState(db);
    await t.plane.services.prisma.entitlement.updateMany({ where: { tenantId: reg.tenantId }, data: { status: "CANCELLED", cancelledAt: new Date() } });
    const res = await checkInCli(["--no-spread", "--json"], { APPLIANCE_DATABASE_URL: db });
    expect(res.code).toBe(5);
    const report = JSON.parse(res.stdout);
    expect(report).toMatchObject({ status: "lapsed", exitCode: 5 });
    expect(report.message).toMatch(
      /the paid subscription is cancelled: the license service issued no new license\. This appliance keeps its credential and its current license until .* then runs as ESSENTIALS; renewing the subscription restores it/,
    );
    const after = await licenseState(db);
    expect(after).toMatchObject({ appliance_credential: before.appliance_credential, license_token: before.license_token, last_check_in_outcome: "lapsed" });
    expect(after.last_check_in_error).toMatch(/^ENTITLEMENT_LAPSED: /);
    // renewed: the next check-in restores it
    await t.plane.services.prisma.entitlement.updateMany({ where: { tenantId: reg.tenantId }, data: { status: "ACTIVE", cancelledAt: null } });
    await secondAfter(after.license_token); // licenses of one second are ordered by jti: the next one must be of a later second to replace it
    expect((await checkInCli(["--no-spread"], { APPLIANCE_DATABASE_URL: db })).code).toBe(0);
    expect(await licenseState(db)).toMatchObject({ last_check_in_outcome: "refreshed", last_check_in_error: null });
  });

  it("essentials has nothing to refresh (exit 0); usage errors exit 2", async () => {
    const { db } = await bootstrapped("ESSENTIALS");
    expect(await runCheckIn({ databaseUrl: db })).toMatchObject({ exitCode: 0, status: "essentials" });
    const bad = await checkInCli(["--attempts", "lots"], { APPLIANCE_DATABASE_URL: db });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--attempts / ALGA_CHECKIN_ATTEMPTS: "lots" is not a whole number of attempts between 1 and 50');
    expect((await checkInCli([], { APPLIANCE_DATABASE_URL: "" })).stderr).toContain("APPLIANCE_DATABASE_URL: is required");
    expect((await checkInCli(["--nope"], { APPLIANCE_DATABASE_URL: db })).code).toBe(2);
  });
});
