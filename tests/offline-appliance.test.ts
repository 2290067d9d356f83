// The appliance side of the air-gapped exchange, as processes (compiled CLIs) with no network path to
// any license service (ALGA_LICENSE_URL points at a closed port): offline-request, offline-apply,
// alga-create-tenant, alga-license renewal-request / import / status, answered by a stand-in vendor
// that signs like the control plane (tests/helpers/offline-vendor.ts) so the vendor's clock and keys
// can be chosen. Each refusal — another appliance key, an edited response, a replayed response, an
// older license, a bound license on another machine — has its test.
import { createServer } from "node:net";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { verifyOfflineRequest } from "@alga-license/contract";
import { generateInstallCode } from "../api/src/domain/install-code.js";
import { generateSigningKey, loadSigningKeys, type SigningKeySet } from "../api/src/license/signing-keys.js";
import { applianceDb, claimsOf, createTenantCli, licenseCli, licenseState, PASSWORD, query, setupCli } from "./helpers/appliance.js";
import { answerActivation, answerRenewal } from "./helpers/offline-vendor.js";

const DAY = 86_400;
const keySet = (...jwks: unknown[]) => loadSigningKeys({ dataDir: "/nonexistent", configured: JSON.stringify(jwks) });

let closedUrl: string;
let vendorA: SigningKeySet;
let rotated: SigningKeySet;
let stranger: SigningKeySet;
let root: string;
beforeAll(async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closedUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  await new Promise((r) => server.close(r));
  const [a, b, c] = [(await generateSigningKey()).jwk, (await generateSigningKey()).jwk, (await generateSigningKey()).jwk];
  vendorA = await keySet(a);
  rotated = await keySet(b, a); // b signs, a co-signs the hand-over for one license lifetime
  stranger = await keySet(c);
  root = JSON.stringify(vendorA.publicJwks());
});

interface Box {
  dir: string;
  env: Record<string, string>;
  file: (name: string) => string;
}
const boxes: Box[] = [];
function box(id = `box-${Math.random().toString(36).slice(2, 8)}`): Box {
  const dir = mkdtempSync(path.join(os.tmpdir(), "alga-offline-"));
  writeFileSync(path.join(dir, "pw"), PASSWORD);
  const b = {
    dir,
    env: { ALGA_STATE_DIR: path.join(dir, "state"), APPLIANCE_ID: id, ALGA_LICENSE_URL: closedUrl, ALGA_VENDOR_KEYS: root },
    file: (n: string) => path.join(dir, n),
  };
  boxes.push(b);
  return b;
}
afterAll(() => boxes.forEach((b) => rmSync(b.dir, { recursive: true, force: true })));

const json = (r: { stdout: string }) => JSON.parse(r.stdout);
const request = (b: Box, code = generateInstallCode(), env: Record<string, string> = {}) =>
  setupCli(["offline-request", "--install-code", code, "--out", b.file("request.json"), "--json"], { ...b.env, ...env });
const apply = (b: Box, response: string, env: Record<string, string> = {}) =>
  setupCli(["offline-apply", "--response", response, "--admin-password-file", b.file("pw"), "--output", b.file("seeds"), "--json"], { ...b.env, ...env });

/** request → vendor → apply → create-tenant: an installed offline appliance. */
async function installed(b: Box, vendor = vendorA) {
  expect((await request(b)).code).toBe(0);
  writeFileSync(b.file("response.json"), await answerActivation(readFileSync(b.file("request.json"), "utf8"), { keys: vendor }));
  const applied = await apply(b, b.file("response.json"));
  expect(applied.code).toBe(0);
  const db = await applianceDb();
  const created = await createTenantCli(["--seed-dir", b.file("seeds"), "--json"], { APPLIANCE_DATABASE_URL: db, ALGA_VENDOR_KEYS: root });
  expect(created.code).toBe(0);
  return { db, env: { ...b.env, APPLIANCE_DATABASE_URL: db }, applied };
}

describe("alga-setup offline-request", () => {
  it("writes a request signed by the appliance key (kept 0600, created once), a digest of the code and never the code; the pending request is kept", async () => {
    const b = box("appl-offline-1");
    const code = generateInstallCode();
    const r = await request(b, code);
    expect(r.code).toBe(0);
    const out = json(r);
    expect(out).toMatchObject({ ok: true, command: "offline-request", file: b.file("request.json"), applianceId: "appl-offline-1" });
    const text = readFileSync(b.file("request.json"), "utf8");
    expect(JSON.parse(text)).toMatchObject({ format: "alga-offline-request", ver: 1, kind: "activation" });
    expect(text).not.toContain(code);
    expect(text).not.toContain(code.replace(/-/g, ""));
    const verified = await verifyOfflineRequest(text, { kind: "activation" });
    expect(verified.payload).toMatchObject({ applianceId: "appl-offline-1", nonce: out.nonce, tool: expect.stringMatching(/^alga-setup\/\d+\.\d+\.\d+/) });
    expect(verified.jkt).toBe(out.applianceKeyThumbprint);
    const keyFile = path.join(b.env.ALGA_STATE_DIR!, "appliance-key.json");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(keyFile, "utf8"))).toMatchObject({ kty: "OKP", crv: "Ed25519", d: expect.any(String) });
    expect(JSON.parse(readFileSync(path.join(b.env.ALGA_STATE_DIR!, "offline-request.json"), "utf8"))).toMatchObject({
      kind: "activation",
      nonce: out.nonce,
      jkt: out.applianceKeyThumbprint,
    });
    // a second request: same key, a new nonce (the pending one is replaced)
    const again = json(await request(b, code));
    expect(again.applianceKeyThumbprint).toBe(out.applianceKeyThumbprint);
    expect(again.nonce).not.toBe(out.nonce);
    // the text form (what a QR code carries) is the bare compact JWS
    expect((await verifyOfflineRequest(again.request)).payload.nonce).toBe(again.nonce);
  });

  it("a malformed code is refused locally (exit 3, nothing written); a missing --out is a usage error (exit 2)", async () => {
    const b = box();
    const bad = await request(b, "ABCD-EFGH");
    expect(bad.code).toBe(3);
    expect(json(bad).error).toMatchObject({ code: "MALFORMED_INSTALL_CODE", action: expect.stringContaining("no request was made") });
    expect(existsSync(b.file("request.json"))).toBe(false);
    const usage = await setupCli(["offline-request", "--install-code", generateInstallCode(), "--json"], b.env);
    expect(usage.code).toBe(2);
    expect(json(usage).error.detail).toMatch(/--out: the file to write the request to is required/);
  });
});

describe("the air-gapped life of an appliance", () => {
  it("offline-apply writes the seeds of an online install, create-tenant runs unchanged; renewals by file carry the usage report chain and a key rotation; an expired appliance runs as ESSENTIALS until a renewal restores it", async () => {
    const b = box("appl-life");
    const { db, env, applied } = await installed(b);
    const seeds = readFileSync(b.file("seeds/appliance-license-seed.yaml"), "utf8");
    expect(seeds).toMatch(/APPLIANCE_KEY:/);
    const state = await licenseState(db);
    expect(state.appliance_key).toMatchObject({ kty: "OKP", crv: "Ed25519" });
    expect(claimsOf(state.license_token).cnf.jkt).toBe(json(applied).applianceKeyThumbprint);
    let status = await licenseCli(["status", "--json"], env);
    expect(status.code).toBe(0);
    expect(json(status)).toMatchObject({ edition: "PRO", licensed: true, verification: { result: "valid" } });
    // the pending activation is gone: the same response again is a replay
    const replay = await apply(b, b.file("response.json"));
    expect(replay.code).toBe(11);
    expect(json(replay).error).toMatchObject({ code: "NO_PENDING_REQUEST" });

    // renewal 1: report seq 1 (prev null)
    const r1 = await licenseCli(["renewal-request", "--out", b.file("renew-1.json"), "--json"], env);
    expect(r1.code).toBe(0);
    expect(json(r1).report).toMatchObject({
      seq: 1,
      prev: null,
      edition: "PRO",
      licensedUntil: expect.any(String),
      clock: { applianceTime: expect.any(String) },
    });
    const answer1 = await answerRenewal(readFileSync(b.file("renew-1.json"), "utf8"), { keys: vendorA });
    writeFileSync(b.file("renew-1.response.json"), answer1.file);
    const i1 = await licenseCli(["import", "--file", b.file("renew-1.response.json"), "--json"], env);
    expect(i1.code).toBe(0);
    expect(json(i1)).toMatchObject({ ok: true, edition: "PRO", keysUpdated: false, report: { seq: 1, chain: "FIRST" } });
    // imported once: again is a replay
    const i1again = await licenseCli(["import", "--file", b.file("renew-1.response.json"), "--json"], env);
    expect(i1again.code).toBe(11);
    expect(json(i1again).error.code).toBe("NO_PENDING_REQUEST");

    // renewal 2 carries the vendor's key rotation: b signs, a (pinned) co-signs the hand-over
    const r2 = json(await licenseCli(["renewal-request", "--out", b.file("renew-2.json"), "--json"], env));
    expect(r2.report).toMatchObject({ seq: 2, prev: expect.any(String) });
    writeFileSync(b.file("renew-2.response.json"), (await answerRenewal(readFileSync(b.file("renew-2.json"), "utf8"), { keys: rotated })).file);
    const i2 = json(await licenseCli(["import", "--file", b.file("renew-2.response.json"), "--json"], env));
    expect(i2).toMatchObject({ ok: true, keysUpdated: true, vendorKeys: [rotated.signer.kid, vendorA.signer.kid], report: { seq: 2, chain: "OK" } });
    status = await licenseCli(["status", "--json"], env);
    expect(json(status)).toMatchObject({ verification: { result: "valid" }, vendorKeys: { kids: [rotated.signer.kid, vendorA.signer.kid] } });

    // 40 days later (appliance and vendor clocks): expired past the grace, the appliance runs as ESSENTIALS
    const later = { ...env, ALGA_CLOCK_OFFSET_SECONDS: String(40 * DAY) };
    status = await licenseCli(["status", "--json"], later);
    expect(status.code).toBe(4);
    expect(json(status)).toMatchObject({ edition: "ESSENTIALS", verification: { result: "refused", reason: "EXPIRED" } });
    const r3 = json(await licenseCli(["renewal-request", "--out", b.file("renew-3.json"), "--json"], later));
    expect(r3.report).toMatchObject({ seq: 3, edition: "ESSENTIALS" });
    writeFileSync(
      b.file("renew-3.response.json"),
      (await answerRenewal(readFileSync(b.file("renew-3.json"), "utf8"), { keys: rotated, now: new Date(Date.now() + 40 * DAY * 1000) })).file,
    );
    expect((await licenseCli(["import", "--file", b.file("renew-3.response.json"), "--json"], later)).code).toBe(0);
    status = await licenseCli(["status", "--json"], later);
    expect(status.code).toBe(0);
    expect(json(status)).toMatchObject({ edition: "PRO", verification: { result: "valid" } });
    const after = await licenseState(db);
    expect(after).toMatchObject({ activation_mode: "offline", report_seq: 3, offline_pending: null });
  }, 120_000);
});

describe("refused, each with the way out", () => {
  it("a response for another appliance key (exit 11, APPLIANCE_KEY_MISMATCH) and for another appliance (WRONG_APPLIANCE); nothing written", async () => {
    const b = box("appl-mine");
    expect((await request(b)).code).toBe(0);
    const req = readFileSync(b.file("request.json"), "utf8");
    const other = box("appl-other");
    await request(other);
    const otherJkt = (await verifyOfflineRequest(readFileSync(other.file("request.json"), "utf8"))).jkt;
    writeFileSync(b.file("other-key.json"), await answerActivation(req, { keys: vendorA, jkt: otherJkt }));
    const r = await apply(b, b.file("other-key.json"));
    expect(r.code).toBe(11);
    expect(json(r).error).toMatchObject({ code: "APPLIANCE_KEY_MISMATCH", action: expect.stringContaining("Make a new request on this appliance") });
    writeFileSync(b.file("other-box.json"), await answerActivation(req, { keys: vendorA, applianceId: "appl-other" }));
    expect(json(await apply(b, b.file("other-box.json"))).error.code).toBe("WRONG_APPLIANCE");
    expect(existsSync(b.file("seeds"))).toBe(false);
    // the console says the same in words (stderr)
    const text = await setupCli(
      ["offline-apply", "--response", b.file("other-key.json"), "--admin-password-file", b.file("pw"), "--output", b.file("seeds")],
      b.env,
    );
    expect(text.code).toBe(11);
    expect(text.stderr).toMatch(/bound to another appliance key[\s\S]*Make a new request/);
  });

  it("an edited response: its signature does not verify (exit 9), nothing written", async () => {
    const b = box();
    await request(b);
    const file = JSON.parse(await answerActivation(readFileSync(b.file("request.json"), "utf8"), { keys: vendorA }));
    const [h, p, s] = file.response.split(".");
    const payload = JSON.parse(Buffer.from(p, "base64url").toString());
    payload.edition = "PREMIUM";
    file.response = `${h}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${s}`;
    writeFileSync(b.file("edited.json"), JSON.stringify(file));
    const r = await apply(b, b.file("edited.json"));
    expect(r.code).toBe(9);
    expect(json(r).error).toMatchObject({ code: "OFFLINE_RESPONSE_NOT_VERIFIED", action: expect.stringContaining("exactly as the vendor sent it") });
    expect(existsSync(b.file("seeds"))).toBe(false);
    // a response signed by a key outside the root is refused too
    writeFileSync(b.file("stranger.json"), await answerActivation(readFileSync(b.file("request.json"), "utf8"), { keys: stranger }));
    expect((await apply(b, b.file("stranger.json"))).code).toBe(9);
  });

  it("a replayed request: the response to an earlier request is refused once a newer request is pending (exit 11)", async () => {
    const b = box();
    await request(b);
    const first = await answerActivation(readFileSync(b.file("request.json"), "utf8"), { keys: vendorA });
    await request(b); // a new request replaces the pending one
    writeFileSync(b.file("first.json"), first);
    const r = await apply(b, b.file("first.json"));
    expect(r.code).toBe(11);
    expect(json(r).error).toMatchObject({ code: "STALE_OFFLINE_RESPONSE", action: expect.stringContaining("latest request") });
  });

  it("an older license file is never stored (exit 11, OLDER_LICENSE); a renewal carrying a rotation no pinned key signed is refused (exit 9)", async () => {
    const b = box();
    const { db, env } = await installed(b);
    const before = (await licenseState(db)).license_token;
    await licenseCli(["renewal-request", "--out", b.file("renew.json")], env);
    const req = readFileSync(b.file("renew.json"), "utf8");
    writeFileSync(b.file("older.json"), (await answerRenewal(req, { keys: vendorA, licenseIssuedAt: new Date(Date.now() - 3 * DAY * 1000) })).file);
    const older = await licenseCli(["import", "--file", b.file("older.json"), "--json"], env);
    expect(older.code).toBe(11);
    expect(json(older).error).toMatchObject({ code: "OLDER_LICENSE", detail: expect.stringContaining("an older license never replaces a newer one") });
    writeFileSync(b.file("hijack.json"), (await answerRenewal(req, { keys: stranger })).file);
    const hijack = await licenseCli(["import", "--file", b.file("hijack.json"), "--json"], env);
    expect(hijack.code).toBe(9);
    expect(json(hijack).error.detail).toMatch(/vendor keys in the response were not accepted/);
    expect((await licenseState(db)).license_token).toBe(before);
  }, 60_000);

  it("a bound license copied onto another appliance (another key) is refused by status and create-tenant", async () => {
    const b = box("appl-copy");
    const { db } = await installed(b);
    // another machine with its own key, given this appliance's seeds (license bound to the first key)
    const thief = box("appl-copy");
    await request(thief); // creates the thief's own key
    const seedFile = b.file("seeds/appliance-license-seed.yaml");
    const thiefKey = readFileSync(path.join(thief.env.ALGA_STATE_DIR!, "appliance-key.json"), "utf8").trim();
    const { parse, stringify } = await import("yaml");
    const { resealed } = await import("./helpers/appliance.js");
    const manifest = parse(readFileSync(seedFile, "utf8"));
    const { createdAt: _c, ...jwk } = JSON.parse(thiefKey);
    manifest.stringData = resealed({ ...manifest.stringData, APPLIANCE_KEY: JSON.stringify(jwk) });
    const copied = thief.file("seeds");
    (await import("node:fs")).mkdirSync(copied, { recursive: true });
    writeFileSync(path.join(copied, "appliance-license-seed.yaml"), stringify(manifest));
    writeFileSync(path.join(copied, "appliance-initial-tenant.yaml"), readFileSync(b.file("seeds/appliance-initial-tenant.yaml")));
    const thiefDb = await applianceDb();
    const created = await createTenantCli(["--seed-dir", copied, "--json"], { APPLIANCE_DATABASE_URL: thiefDb, ALGA_VENDOR_KEYS: root });
    expect(created.code).toBe(2);
    expect(json(created).error).toMatch(/bound to another appliance's key/);
    // and the database of the first appliance with its key swapped: status refuses its license
    await query(db, "UPDATE license_state SET appliance_key = $1", [JSON.stringify(jwk)]);
    const status = await licenseCli(["status", "--json"], { APPLIANCE_DATABASE_URL: db, ALGA_VENDOR_KEYS: root });
    expect(status.code).toBe(4);
    expect(json(status)).toMatchObject({ edition: "ESSENTIALS", verification: { reason: "WRONG_APPLIANCE_KEY" } });
  }, 60_000);
});
