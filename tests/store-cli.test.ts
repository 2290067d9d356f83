// alga-store as a sales or support person runs it, and the package as a store installs it: packed with
// `npm pack`, installed into an empty folder, used from plain Node.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { COMMANDS } from "../store-client/src/cli/commands/index.js";
import { COMMON_FLAGS } from "../store-client/src/cli/common-flags.js";
import { flagsOf, flagSynopsis } from "../store-client/src/cli/parse.js";
import { startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { run } from "./helpers/processes.js";

let t: TestPlane;
beforeAll(async () => {
  t = await startTestPlane();
});
afterAll(() => t.stop());

const cli = (args: string[], key = t.keys.store, url = t.url) =>
  run(process.execPath, ["store-client/dist/cli/main.js", ...args], { ALGA_LICENSE_URL: url, ALGA_LICENSE_API_KEY: key });

describe("alga-store CLI", () => {
  it("register: human output, then --json for scripts", async () => {
    const human = await cli(["register", "--company", "CLI Co", "--email", "cli@shop.test", "--edition", "pro"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Registered: CLI Co — PRO/);
    expect(human.stdout).toMatch(/install code: {2}([0-9A-Z]{4}-){4}[0-9A-Z]{4}/);
    expect(human.stdout).toContain("emailed to cli@shop.test");

    const json = await cli([
      "register",
      "--company",
      "Json Co",
      "--email",
      "json@shop.test",
      "--edition",
      "essentials",
      "--idempotency-key",
      "ord-77",
      "--json",
    ]);
    expect(json.code).toBe(0);
    const r = JSON.parse(json.stdout);
    expect(r).toMatchObject({ idempotencyKey: "ord-77", replayed: false, tenant: { edition: "ESSENTIALS" } });
  });

  it("reissue by email; an ambiguous email exits 4 listing the candidates", async () => {
    const ok = await cli(["reissue", "--email", "cli@shop.test"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("Re-issued an install code (revoked 1 unused code)");
    await cli(["register", "--company", "CLI Co 2", "--email", "cli@shop.test", "--edition", "pro"]);
    const amb = await cli(["reissue", "--email", "cli@shop.test"]);
    expect(amb.code).toBe(4);
    expect(amb.stderr).toMatch(/AMBIGUOUS_TENANT/);
    // each candidate with its company name, so the caller can tell them apart
    expect(amb.stderr).toMatch(
      /candidates \(use --tenant ID\):\n {4}[0-9a-f-]{36} {2}CLI Co {2}\(registered \d{4}-\d{2}-\d{2}\)\n {4}[0-9a-f-]{36} {2}CLI Co 2/,
    );
    const ambJson = await cli(["reissue", "--email", "cli@shop.test", "--json"]);
    expect(JSON.parse(ambJson.stdout).error).toMatchObject({ code: "AMBIGUOUS_TENANT", tenantIds: expect.any(Array) });
  });

  it("tenant and tenants for support", async () => {
    const list = await cli(["tenants", "--search", "shop.test", "--edition", "pro"], t.keys.support);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/CLI Co <cli@shop.test>/);
    expect(list.stdout).toMatch(/\d+ of 2 tenant\(s\)/);
    const id = list.stdout.split("\n")[0]!.split(" ")[0]!;
    const one = await cli(["tenant", id], t.keys.support);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain("install codes:");
    expect(one.stdout).toMatch(/ISSUED/);
    const json = JSON.parse((await cli(["tenants", "--status", "registered", "--json", "--first", "1"], t.keys.support)).stdout);
    expect(json.edges).toHaveLength(1);
    expect(json.pageInfo.hasNextPage).toBe(true);
  });

  it("exit codes per kind of failure", async () => {
    expect((await cli(["tenant", "00000000-0000-4000-8000-000000000000"], t.keys.support)).code).toBe(3);
    expect((await cli(["reissue", "--tenant", "00000000-0000-4000-8000-000000000000"])).code).toBe(3);
    expect((await cli(["tenants"], t.keys.store)).code).toBe(5); // store may not read support data
    expect((await cli(["tenants"], "alk_bad")).code).toBe(5);
    expect((await cli(["register", "--company", "X", "--email", "bad", "--edition", "pro"])).code).toBe(2);
    expect((await cli(["register", "--company", "X"])).code).toBe(2);
    expect((await cli(["frobnicate"])).code).toBe(2);
    expect((await cli(["reissue", "--email", "a@b.test", "--tenant", "x"])).code).toBe(2);
    // a URL without its scheme is a usage error naming where it came from, never a network error
    const noScheme = await cli(["tenants", "--url", "127.0.0.1:4000"], t.keys.support);
    expect(noScheme.code).toBe(2);
    expect(noScheme.stderr).toMatch(/--url "127.0.0.1:4000" is not a URL: write it with its scheme, e\.g\. https:\/\//);
    const envNoScheme = await cli(["tenants"], t.keys.support, "localhost:4000");
    expect(envNoScheme.code).toBe(2);
    expect(envNoScheme.stderr).toMatch(/ALGA_LICENSE_URL "localhost:4000" must start with http:\/\/ or https:\/\//);
    const noUrl = await cli(["tenants"], t.keys.support, "");
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain("pass --url URL or set ALGA_LICENSE_URL");
    expect(noUrl.stderr).not.toMatch(/baseUrl|at .*\.js/);
    const missingKeyFile = await cli(["tenants", "--api-key-file", "/nonexistent/key"], t.keys.support);
    expect(missingKeyFile.code).toBe(2);
    expect(missingKeyFile.stderr).toContain("--api-key-file /nonexistent/key: no such file");
    // a refused key says so, and where the key came from
    const refused = await cli(["tenants"], "alk_not_a_key");
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/^error UNAUTHENTICATED: The API key was not accepted/);
    expect(refused.stderr).toContain("check ALGA_LICENSE_API_KEY (or --api-key-file)");
    const noKey = await cli(["tenants"], "");
    expect(noKey.code).toBe(5);
    expect(noKey.stderr).toContain("no API key: set ALGA_LICENSE_API_KEY or pass --api-key-file FILE");
    const down = await cli(["tenants", "--timeout", "500"], t.keys.support, "http://127.0.0.1:9");
    expect(down.code).toBe(6);
    expect(down.stderr).toMatch(/NETWORK_ERROR: cannot reach/);
  });
});

describe("alga-store accepts only each command's own flags", () => {
  const ID = "00000000-0000-4000-8000-000000000000";
  it("another command's flag is refused (exit 2), naming the flag and who takes it, before anything is sent", async () => {
    const seats = await cli(["tenants", "--seats", "3"], t.keys.support);
    expect(seats.code).toBe(2);
    expect(seats.stdout).toBe("");
    expect(seats.stderr).toMatch(/^--seats is not an option of tenants \(only grant and set-seats take it\)\n\nusage: alga-store tenants /);
    // entitlement shows no history: --last is entitlements' flag
    const last = await cli(["entitlement", ID, "--last", "2"], t.keys.support);
    expect(last.code).toBe(2);
    expect(last.stderr).toMatch(/^--last is not an option of entitlement \(only entitlements takes it\)/);
    const reason = await cli(["register", "--company", "X", "--email", "x@shop.test", "--edition", "pro", "--reason", "why"]);
    expect(reason.code).toBe(2);
    expect(reason.stderr).toMatch(/^--reason is not an option of register/);
    // flags may stand before the command, and are still checked against it
    const before = await cli(["--open-ended", "cancel", ID], t.keys.admin);
    expect(before.code).toBe(2);
    expect(before.stderr).toMatch(/^--open-ended is not an option of cancel \(only extend takes it\)/);
  });

  it("an unknown flag, a stray argument and a missing value are usage errors too, as JSON with --json", async () => {
    const unknown = await cli(["tenants", "--frobnicate"], t.keys.support);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^unknown option --frobnicate\n/);
    const json = await cli(["tenants", "--json", "--seats=3"], t.keys.support);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: "USAGE", message: "--seats is not an option of tenants (only grant and set-seats take it)" } });
    const stray = await cli(["cancel", ID, "extra"], t.keys.admin);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/^unexpected argument "extra": cancel takes one TENANT_ID/);
    const noValue = await cli(["register", "--company"]);
    expect(noValue.code).toBe(2);
    expect(noValue.stderr).toMatch(/--company/);
  });

  it("--help is generated from the declarations: every command, and each command's own flags", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    for (const c of COMMANDS) {
      expect(help.stdout).toMatch(new RegExp(`^  ${c.name} +`, "m"));
      for (const [name, spec] of Object.entries(c.flags)) expect(help.stdout).toContain(flagSynopsis(name, spec));
      const own = await cli([c.name, "--help"]);
      expect(own.code).toBe(0);
      expect(own.stdout).toMatch(new RegExp(`^usage: alga-store ${c.name} `));
      expect(own.stdout).toContain(c.summary);
      const others = COMMANDS.flatMap((o) => Object.keys(o.flags)).filter((f) => !Object.hasOwn(flagsOf(c), f));
      for (const [name, spec] of Object.entries({ ...c.flags, ...COMMON_FLAGS })) expect(own.stdout).toContain(`  ${flagSynopsis(name, spec)}`);
      if (c.tenant) expect(own.stdout).toMatch(/^ {2}TENANT_ID +the tenant's id \(or --tenant TENANT_ID\)$/m);
      for (const f of others) expect(own.stdout).not.toContain(`--${f} `);
    }
    expect(help.stdout).toContain("--url URL            control plane base URL (default: $ALGA_LICENSE_URL)");
    expect(help.stdout).toMatch(/exit codes: 0 ok, 1 failed, 2 bad usage or input/);
  });
});

describe("alga-store entitlement commands", () => {
  it("grant, change, seats, extend, past due, cancel with an admin key; entitlement and history for support", async () => {
    const reg = JSON.parse((await cli(["register", "--company", "Ent CLI Co", "--email", "ent-cli@shop.test", "--edition", "essentials", "--json"])).stdout);
    const id = reg.tenantId as string;
    const none = await cli(["entitlement", id], t.keys.support);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain("entitlement:   none (essentials)");

    expect((await cli(["grant", id, "--edition", "pro"], t.keys.support)).code).toBe(5); // support reads only
    const grant = await cli(["grant", id, "--edition", "pro", "--seats", "2", "--valid-until", "2099-01-31", "--reason", "PO 991"], t.keys.admin);
    expect(grant.code).toBe(0);
    expect(grant.stdout).toMatch(/^Entitlement changed: Ent CLI Co/);
    expect(grant.stdout).toMatch(/PRO ACTIVE \(licensed\), paid through 2099-01-31 00:00:00 UTC, licensed until 2099-02-14 00:00:00 UTC, 2 seat\(s\)/);
    expect((await cli(["grant", id, "--edition", "premium"], t.keys.admin)).code).toBe(2); // a live one exists
    expect((await cli(["set-edition", id, "--edition", "premium"], t.keys.admin)).stdout).toContain("edition:       PREMIUM");
    expect((await cli(["set-seats", id, "--seats", "3"], t.keys.admin)).stdout).toContain("3 seat(s)");
    expect((await cli(["extend", id, "--open-ended"], t.keys.admin)).stdout).toContain("open-ended");
    expect((await cli(["past-due", id, "--reason", "card declined"], t.keys.admin)).stdout).toContain("PREMIUM PAST_DUE (in grace)");
    const cancel = JSON.parse((await cli(["cancel", id, "--json"], t.keys.admin)).stdout);
    expect(cancel).toMatchObject({ changed: true, entitlement: { status: "CANCELLED", standing: "LAPSED" }, tenant: { edition: "ESSENTIALS" } });

    const hist = await cli(["entitlements", id], t.keys.support);
    expect(hist.code).toBe(0);
    const lines = hist.stdout.split("\n").filter((l) => / — admin /.test(l));
    expect(lines.map((l) => l.trim().split(/\s+/)[3])).toEqual(["cancelled", "past_due", "extended", "seats_changed", "edition_changed", "granted"]);
    expect(hist.stdout).toMatch(/edition_changed +edition PRO → PREMIUM/);
    expect(hist.stdout).toMatch(/granted +PRO ACTIVE 2 seat\(s\) until 2099-01-31 00:00:00 UTC {2}— admin [0-9a-f-]{36} {2}"PO 991"/);
    const json = JSON.parse((await cli(["entitlements", id, "--last", "2", "--json"], t.keys.support)).stdout);
    expect(json.entitlementHistory).toHaveLength(2);

    expect((await cli(["extend", id], t.keys.admin)).code).toBe(2);
    expect((await cli(["set-seats", id, "--seats", "0"], t.keys.admin)).code).toBe(2);
    expect((await cli(["grant", id, "--edition", "pro", "--valid-until", "soon"], t.keys.admin)).stderr).toContain('--valid-until "soon" is not a date');
    expect((await cli(["entitlements", "00000000-0000-4000-8000-000000000000"], t.keys.support)).code).toBe(3);
  });
});

it("the packed package installs on its own and works from plain Node, CLI included", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "alga-store-pkg-"));
  try {
    // the store client depends on the shared contract package: both are published, both are packed
    const packed = await run("npm", ["pack", "--silent", "--pack-destination", dir, "-w", "contract", "-w", "store-client"]);
    expect(packed.code).toBe(0);
    const tarballs = packed.stdout
      .trim()
      .split("\n")
      .filter((l) => l.endsWith(".tgz"))
      .map((f) => path.join(dir, f));
    expect(tarballs).toHaveLength(2);
    const app = path.join(dir, "store-app");
    mkdirSync(app, { recursive: true });
    writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "store-app", private: true, type: "module" }));
    // the two tarballs and their own dependencies (jose, @graphql-typed-document-node/core): from npm's
    // cache where it holds them, else from the registry, as a user's install would (npm ci caches the
    // tarballs but not the registry's metadata an install by range needs, so --offline is not enough)
    const installed = await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", ...tarballs], {}, undefined, app);
    expect(installed).toMatchObject({ code: 0 }); // on failure, npm's stderr shows
    const help = await run(path.join(app, "node_modules/.bin/alga-store"), ["--help"], {}, undefined, app);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: alga-store <command>/);
    writeFileSync(
      path.join(app, "register.mjs"),
      `import { createStoreClient, isAlgaLicenseError } from "@alga-license/store-client";
const client = createStoreClient();
const r = await client.registerTenant({ companyName: "Packed Co", contactEmail: "packed@shop.test", edition: "PRO" });
let ambiguous = null;
try { await client.reissueInstallCode({ tenantId: "not-a-uuid" }); } catch (e) { ambiguous = isAlgaLicenseError(e, "BAD_USER_INPUT") ? e.details : String(e); }
console.log(JSON.stringify({ tenantId: r.tenantId, code: r.installCode, err: ambiguous }));`,
    );
    const env = { ALGA_LICENSE_URL: t.url, ALGA_LICENSE_API_KEY: t.keys.store };
    const out = await run("node", ["register.mjs"], env, undefined, app);
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout)).toMatchObject({ tenantId: expect.any(String), err: { code: "BAD_USER_INPUT", field: "tenantId" } });
    const bin = await run(
      path.join(app, "node_modules/.bin/alga-store"),
      ["tenants", "--search", "packed", "--json"],
      { ...env, ALGA_LICENSE_API_KEY: t.keys.support },
      undefined,
      app,
    );
    expect(bin.code).toBe(0);
    expect(JSON.parse(bin.stdout).totalCount).toBe(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000); // npm pack runs both packages' prepack builds
