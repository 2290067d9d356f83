// The vendor side of the air-gapped exchange against a real API and PostgreSQL: request files built with
// the contract's functions (as the appliance tools build them), answered by activateOffline /
// renewOffline, checked the way the appliance checks them.
import { createLocalJWKSet, exportJWK, flattenedVerify, generateKeyPair, importJWK, jwtVerify, type JWK } from "jose";
import {
  applianceKeyThumbprint,
  generateApplianceKey,
  nextSeatReport,
  offlineRequestFile,
  seatReportHash,
  signActivationRequest,
  signRenewalRequest,
  verifyOfflineResponse,
  type AppliancePrivateJwk,
  type KeyDocument,
  type SeatReport,
} from "../contract/src/index.js";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CHECK_IN, codeOf, REDEEM, REGISTER, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { run } from "./helpers/processes.js";
import { purgeAnsweredNonces } from "../api/src/domain/housekeeping.js";

const ACTIVATE = `mutation A($input: ActivateOfflineInput!) { activateOffline(input: $input) { response tenantId edition } }`;
const RENEW = `mutation R($input: RenewOfflineInput!) { renewOffline(input: $input) { response tenantId applianceId edition licenseExpiresAt report { seq chain } } }`;
const APPLIANCES = `query T($id: ID!) { tenant(id: $id) { appliances { applianceId activationMode offlineRenewalDueAt applianceKeyThumbprint licenseExpiresAt seatReportChain
  seatReports { seq chain hash prev version licenseJti clockSkewSeconds } } } }`;

let t: TestPlane;
let oldKey: JWK; // the key the appliance pinned at install (public)
let newKey: JWK; // the key that signs since the rotation (public)

beforeAll(async () => {
  // a rotated key set: the new key signs, the old one is still published and co-signs the key document
  const make = async (kid: string) => {
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    return { ...(await exportJWK(privateKey)), kid, alg: "EdDSA" };
  };
  const [fresh, old] = [await make("k-new"), await make("k-old")];
  const pub = ({ d: _d, ...k }: JWK) => k;
  [newKey, oldKey] = [pub(fresh), pub(old)];
  t = await startTestPlane({ REDEEM_MAX_FAILURES: "200", LICENSE_SIGNING_KEYS: JSON.stringify([fresh, old]) });
});
afterAll(() => t.stop());

let addr = 0;
const nextAddress = () => `198.18.0.${++addr % 250}`;

async function registered(edition = "PRO") {
  const res = await t.gql(
    REGISTER,
    { input: { companyName: `Offline ${edition}`, contactEmail: `off-${Math.random().toString(36).slice(2)}@site.test`, edition } },
    { token: t.keys.store },
  );
  expect(res.errors).toBeUndefined();
  return res.data.registerTenant as { tenantId: string; installCode: string };
}

const activate = (request: string, token = t.keys.store) => t.gql(ACTIVATE, { input: { request } }, { token, clientAddress: nextAddress() });
const renew = (request: string, token = t.keys.support) => t.gql(RENEW, { input: { request } }, { token, clientAddress: nextAddress() });
const applianceId = () => `box-${Math.random().toString(36).slice(2, 10)}`;

const activationRequest = (key: AppliancePrivateJwk, installCode: string, id: string, now?: Date) =>
  signActivationRequest({ privateKey: key, applianceId: id, installCode, tool: "alga-setup/1.0.0", now: now ?? new Date() });

const report = (prev: SeatReport | null, over: Partial<SeatReport> = {}): SeatReport =>
  nextSeatReport(prev, {
    from: "2026-11-01T00:00:00.000Z",
    until: new Date().toISOString(),
    edition: "PRO",
    version: "1.0.0",
    licensedUntil: null,
    clock: { applianceTime: new Date().toISOString(), serverTimeFloor: null, skewSeconds: null },
    ...over,
  });

const allKeys = () => ({ keys: [newKey, oldKey] });

/** An activated offline appliance: key, ids, the verified response. */
async function activated(edition = "PRO") {
  const reg = await registered(edition);
  const key = await generateApplianceKey();
  const id = applianceId();
  const req = await activationRequest(key, reg.installCode, id);
  const res = await activate(req.file);
  expect(res.errors).toBeUndefined();
  const jkt = await applianceKeyThumbprint(key);
  const verified = await verifyOfflineResponse(res.data.activateOffline.response, {
    keys: allKeys(),
    kind: "activation",
    expect: { nonce: req.payload.nonce, applianceId: id, jkt },
  });
  return { reg, key, id, jkt, req, res: res.data.activateOffline, response: verified.payload };
}

describe("activateOffline", () => {
  it("consumes the code and answers a signed response bound to the appliance key and nonce", async () => {
    const { reg, id, jkt, res, response } = await activated("PREMIUM");
    expect(res).toMatchObject({ tenantId: reg.tenantId, edition: "PREMIUM" });
    expect(JSON.parse(res.response)).toMatchObject({ format: "alga-offline-response", ver: 1, kind: "activation" });
    expect(response).toMatchObject({
      tenantId: reg.tenantId,
      applianceId: id,
      jkt,
      edition: "PREMIUM",
      companyName: "Offline PREMIUM",
      checkInUrl: `${t.url}/graphql`,
    });
    expect(response.credential).toMatch(/^alc_/);
    // the license: verified under the published keys, bound to the appliance key
    const { payload } = await jwtVerify(response.license!, createLocalJWKSet(allKeys()), { audience: reg.tenantId, issuer: t.url });
    expect(payload).toMatchObject({ sub: id, edition: "PREMIUM", cnf: { jkt } });

    const prisma = t.plane.services.prisma;
    const row = await prisma.appliance.findFirstOrThrow({ where: { tenantId: reg.tenantId } });
    expect(row).toMatchObject({ applianceId: id, activationMode: "OFFLINE", publicKeyThumbprint: jkt, licenseJti: payload.jti });
    expect(row.offlineRenewalDueAt?.getTime()).toBe(payload.exp! * 1000);
    const audit = await prisma.auditEvent.findFirstOrThrow({ where: { tenantId: reg.tenantId, action: "install_code.redeemed" } });
    expect(audit).toMatchObject({
      principalType: "store",
      details: expect.objectContaining({ mode: "offline", applianceKeyThumbprint: jkt, applianceId: id }),
    });

    // support sees the mode and when the renewal is due
    const seen = await t.gql(APPLIANCES, { id: reg.tenantId }, { token: t.keys.support });
    expect(seen.data.tenant.appliances).toEqual([
      expect.objectContaining({
        applianceId: id,
        activationMode: "OFFLINE",
        applianceKeyThumbprint: jkt,
        offlineRenewalDueAt: row.offlineRenewalDueAt!.toISOString(),
        seatReports: [],
        seatReportChain: null,
      }),
    ]);

    // online check-in still works once the appliance has a network path, and stays bound to its key
    const ci = await t.gql(CHECK_IN, { input: { applianceId: id } }, { token: response.credential! });
    expect(ci.errors).toBeUndefined();
    expect((await jwtVerify(ci.data.checkIn.token, createLocalJWKSet(allKeys()))).payload.cnf).toEqual({ jkt });
  });

  it("essentials: a response without a license or credential", async () => {
    const { response } = await activated("ESSENTIALS");
    expect(response).toMatchObject({ edition: "ESSENTIALS", license: null, credential: null, checkInUrl: null });
  });

  it("delivers the rotated key document: an appliance that pinned the old key learns the new one from the file", async () => {
    const { res, req, id, jkt } = await activated();
    // pinned only the old key: the response (signed by the new one) is not trusted yet
    await expect(verifyOfflineResponse(res.response, { keys: [oldKey] })).rejects.toMatchObject({ reason: "UNKNOWN_KEY" });
    const unverified = JSON.parse(Buffer.from(JSON.parse(res.response).response.split(".")[1], "base64url").toString()) as { keys: KeyDocument };
    // the key document is co-signed by the old key: verify that signature, then take its keys
    const doc = unverified.keys;
    const byOld = doc.signatures.find((s) => JSON.parse(Buffer.from(s.protected!, "base64url").toString()).kid === "k-old")!;
    const { payload } = await flattenedVerify(
      { payload: doc.payload, protected: byOld.protected, signature: byOld.signature },
      await importJWK(oldKey, "EdDSA"),
    );
    const published = JSON.parse(new TextDecoder().decode(payload)) as { keys: JWK[] };
    expect(published.keys.map((k) => k.kid).sort()).toEqual(["k-new", "k-old"]);
    const verified = await verifyOfflineResponse(res.response, { keys: published.keys, expect: { nonce: req.payload.nonce, applianceId: id, jkt } });
    expect(verified.kid).toBe("k-new");
  });

  it("refuses the same request file twice (REPLAYED_OFFLINE_REQUEST); a new request with the same key replays the activation", async () => {
    const { reg, key, id, req } = await activated();
    const again = await activate(req.file);
    expect(codeOf(again)).toBe("REPLAYED_OFFLINE_REQUEST");
    expect(again.errors![0]!.message).toMatch(/make a new request/);
    // the response was lost: a NEW request of the same appliance (same code, id and key)
    const retry = await activate((await activationRequest(key, reg.installCode, id)).file);
    expect(retry.errors).toBeUndefined();
    expect(await t.plane.services.prisma.auditEvent.count({ where: { tenantId: reg.tenantId, action: "install_code.redemption_replayed" } })).toBe(1);
    // another appliance key (another installation) with the same id: the code is used
    const other = await activate((await activationRequest(await generateApplianceKey(), reg.installCode, id)).file);
    expect(codeOf(other)).toBe("CONSUMED_INSTALL_CODE");
  });

  it("housekeeping drops the nonces of requests that would be refused as stale anyway", async () => {
    const { req } = await activated();
    const db = t.plane.services.db;
    const count = async () => Number((await db.query("SELECT count(*) FROM offline_request_nonce")).rows[0].count);
    const before = await count();
    expect(await purgeAnsweredNonces(db, 30 * 86400)).toBe(0);
    // 32 days on, this request is past the window: its nonce may go
    const later = new Date(Date.now() + 32 * 86400_000);
    expect(await purgeAnsweredNonces(db, 30 * 86400, later)).toBeGreaterThanOrEqual(1);
    expect(await count()).toBeLessThan(before);
    expect(req.payload.iat * 1000).toBeLessThan(later.getTime() - 31 * 86400_000);
  });

  it("refuses a code already used online", async () => {
    const reg = await registered();
    expect(
      (await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId: "online-1" } }, { clientAddress: nextAddress() })).errors,
    ).toBeUndefined();
    const res = await activate((await activationRequest(await generateApplianceKey(), reg.installCode, "online-1")).file);
    expect(codeOf(res)).toBe("CONSUMED_INSTALL_CODE");
    expect(res.errors![0]!.message).toMatch(/re-issue/);
  });

  it.each([
    ["31 days old", -31 * 86400_000],
    ["two days ahead", 2 * 86400_000],
  ])("refuses a request %s (STALE_OFFLINE_REQUEST), consuming nothing", async (_n, offset) => {
    const reg = await registered();
    const res = await activate((await activationRequest(await generateApplianceKey(), reg.installCode, applianceId(), new Date(Date.now() + offset))).file);
    expect(codeOf(res)).toBe("STALE_OFFLINE_REQUEST");
    expect(res.errors![0]!.message).toMatch(/make a new request|clock/);
    expect(await t.plane.services.prisma.installCode.count({ where: { tenantId: reg.tenantId, consumedAt: { not: null } } })).toBe(0);
  });

  it.each<[string, (file: string, jws: string) => string, string]>([
    [
      "an edited payload",
      (_f, jws) => {
        const [h, p, s] = jws.split(".");
        const body = JSON.parse(Buffer.from(p!, "base64url").toString());
        body.applianceId = "other-box";
        return `${h}.${Buffer.from(JSON.stringify(body)).toString("base64url")}.${s}`;
      },
      "BAD_SIGNATURE",
    ],
    ["a truncated file", (f) => f.slice(0, 60), "MALFORMED"],
    ["a file from a newer tool", (f) => f.replace('"ver": 1', '"ver": 9'), "NEWER_VERSION"],
    ["an activation filed as a renewal", (_f, jws) => offlineRequestFile("renewal", jws), "WRONG_KIND"],
  ])("refuses %s (INVALID_OFFLINE_REQUEST)", async (_n, edit, reason) => {
    const reg = await registered();
    const req = await activationRequest(await generateApplianceKey(), reg.installCode, applianceId());
    const res = await activate(edit(req.file, req.jws));
    expect(codeOf(res)).toBe("INVALID_OFFLINE_REQUEST");
    expect(res.errors![0]!.extensions).toMatchObject({ reason });
    expect(res.status).toBe(200);
  });

  it("is for store, support and admin keys only", async () => {
    const reg = await registered();
    const req = await activationRequest(await generateApplianceKey(), reg.installCode, applianceId());
    expect(codeOf(await t.gql(ACTIVATE, { input: { request: req.file } }))).toBe("UNAUTHENTICATED");
    const res = await activate(req.file, t.keys.admin);
    expect(res.errors).toBeUndefined();
  });

  it("exactly one of 20 parallel activations of a code wins; the same file sent 10 times at once is answered once", async () => {
    const reg = await registered();
    const racers = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => activationRequest(await generateApplianceKey(), reg.installCode, `racer-${i}`)),
    );
    const results = await Promise.all(racers.map((r) => activate(r.file)));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => codeOf(r) === "CONSUMED_INSTALL_CODE")).toHaveLength(19);
    const prisma = t.plane.services.prisma;
    expect(await prisma.appliance.count({ where: { tenantId: reg.tenantId } })).toBe(1);
    expect(await prisma.auditEvent.count({ where: { tenantId: reg.tenantId, action: "install_code.redeemed" } })).toBe(1);

    const reg2 = await registered();
    const one = await activationRequest(await generateApplianceKey(), reg2.installCode, "twin");
    const twins = await Promise.all(Array.from({ length: 10 }, () => activate(one.file)));
    expect(twins.filter((r) => !r.errors)).toHaveLength(1);
    expect(twins.filter((r) => codeOf(r) === "REPLAYED_OFFLINE_REQUEST")).toHaveLength(9);
  });
});

describe("redeemInstallCode with applianceKey", () => {
  it("binds the online license to the appliance key; a private key is refused", async () => {
    const reg = await registered();
    const key = await generateApplianceKey();
    const bad = await t.gql(
      REDEEM,
      { input: { installCode: reg.installCode, applianceId: "keyed", applianceKey: JSON.stringify(key) } },
      { clientAddress: nextAddress() },
    );
    expect(codeOf(bad)).toBe("BAD_USER_INPUT");
    expect(bad.errors![0]!.extensions).toMatchObject({ field: "applianceKey" });
    const { d: _d, ...pub } = key;
    const ok = await t.gql(
      REDEEM,
      { input: { installCode: reg.installCode, applianceId: "keyed", applianceKey: JSON.stringify(pub) } },
      { clientAddress: nextAddress() },
    );
    expect(ok.errors).toBeUndefined();
    const { payload } = await jwtVerify(ok.data.redeemInstallCode.firstJwt, createLocalJWKSet(allKeys()));
    expect(payload.cnf).toEqual({ jkt: await applianceKeyThumbprint(key) });
    const row = await t.plane.services.prisma.appliance.findFirstOrThrow({ where: { tenantId: reg.tenantId } });
    expect(row).toMatchObject({ activationMode: "ONLINE", publicKeyThumbprint: await applianceKeyThumbprint(key), offlineRenewalDueAt: null });
  });
});

describe("renewOffline", () => {
  const renewal = (a: Awaited<ReturnType<typeof activated>>, r: SeatReport, over: { key?: AppliancePrivateJwk; now?: Date } = {}) =>
    signRenewalRequest({
      privateKey: over.key ?? a.key,
      applianceId: a.id,
      tenantId: a.reg.tenantId,
      tool: "alga-license/1.0.0",
      licenseJti: null,
      report: r,
      now: over.now,
    });

  it("renews and records the seat report chain: FIRST, OK, GAP, REPLAYED — support sees it", async () => {
    const a = await activated();
    const r1 = report(null);
    const first = await renew((await renewal(a, r1)).file);
    expect(first.errors).toBeUndefined();
    expect(first.data.renewOffline).toMatchObject({ tenantId: a.reg.tenantId, applianceId: a.id, edition: "PRO", report: { seq: 1, chain: "FIRST" } });
    const req1 = await renewal(a, report(r1));
    const second = await renew(req1.file);
    expect(second.data.renewOffline.report).toEqual({ seq: 2, chain: "OK" });
    const verified = await verifyOfflineResponse(second.data.renewOffline.response, {
      keys: allKeys(),
      kind: "renewal",
      expect: { nonce: req1.payload.nonce, applianceId: a.id, jkt: a.jkt },
    });
    expect(verified.payload.report).toEqual({ seq: 2, chain: "OK" });
    const { payload: lic } = await jwtVerify(verified.payload.license, createLocalJWKSet(allKeys()), { audience: a.reg.tenantId });
    expect(lic.cnf).toEqual({ jkt: a.jkt });
    expect(new Date(second.data.renewOffline.licenseExpiresAt).getTime()).toBe(lic.exp! * 1000);

    // report 3 never arrived: 4 follows it
    const r3 = report(req1.payload.report);
    const r4 = report(r3);
    const gap = await renew((await renewal(a, r4)).file);
    expect(gap.errors).toBeUndefined();
    expect(gap.data.renewOffline.report).toEqual({ seq: 4, chain: "GAP" });

    // the same report again, in a new request: refused and visible
    const replayed = await renew((await renewal(a, r4)).file);
    expect(codeOf(replayed)).toBe("REPLAYED_OFFLINE_REQUEST");
    // the same file again: refused too
    expect(codeOf(await renew(req1.file))).toBe("REPLAYED_OFFLINE_REQUEST");

    const seen = await t.gql(APPLIANCES, { id: a.reg.tenantId }, { token: t.keys.support });
    const appliance = seen.data.tenant.appliances[0];
    expect(appliance.seatReportChain).toBe("REPLAYED");
    expect(appliance.seatReports.map((r: { seq: number; chain: string }) => `${r.seq}:${r.chain}`)).toEqual([
      "2:REPLAYED",
      "4:REPLAYED",
      "4:GAP",
      "2:OK",
      "1:FIRST",
    ]);
    expect(appliance.seatReports[2]).toMatchObject({ hash: seatReportHash(r4), prev: seatReportHash(r3), version: "1.0.0", licenseJti: expect.any(String) });
    expect(appliance.seatReports[0].licenseJti).toBeNull();
    // due when the newest license file runs out
    expect(appliance.offlineRenewalDueAt).toBe(appliance.licenseExpiresAt);
    expect(appliance.offlineRenewalDueAt).toBe(gap.data.renewOffline.licenseExpiresAt);
    const audits = await t.plane.services.prisma.auditEvent.findMany({
      where: { tenantId: a.reg.tenantId, action: { startsWith: "appliance.offline" } },
      orderBy: { createdAt: "asc" },
    });
    expect(audits.map((e) => e.action)).toEqual([
      "appliance.offline_renewed",
      "appliance.offline_renewed",
      "appliance.offline_renewed",
      "appliance.offline_request_replayed",
      "appliance.offline_request_replayed",
    ]);
  });

  it("refuses a request signed by another key (APPLIANCE_KEY_MISMATCH)", async () => {
    const a = await activated();
    const res = await renew((await renewal(a, report(null), { key: await generateApplianceKey() })).file);
    expect(codeOf(res)).toBe("APPLIANCE_KEY_MISMATCH");
    expect(res.errors![0]!.message).toMatch(/another installation|re-issued install code/);
  });

  it("refuses a lapsed entitlement like check-in does (ENTITLEMENT_LAPSED), recording nothing", async () => {
    const a = await activated();
    const cancel = await t.gql(
      `mutation C($input: CancelEntitlementInput!) { cancelEntitlement(input: $input) { __typename } }`,
      { input: { tenantId: a.reg.tenantId } },
      { token: t.keys.admin },
    );
    expect(cancel.errors).toBeUndefined();
    const res = await renew((await renewal(a, report(null))).file);
    expect(codeOf(res)).toBe("ENTITLEMENT_LAPSED");
    expect(res.errors![0]!.message).toMatch(/renewing the subscription restores it with the next renewal/);
    expect(await t.plane.services.prisma.seatReport.count({ where: { tenantId: a.reg.tenantId } })).toBe(0);
  });

  it("refuses an unknown appliance and a stale renewal request", async () => {
    const a = await activated();
    const res = await renew(
      (await signRenewalRequest({ privateKey: a.key, applianceId: "nobody", tenantId: a.reg.tenantId, tool: "t", licenseJti: null, report: report(null) }))
        .file,
    );
    expect(codeOf(res)).toBe("APPLIANCE_NOT_FOUND");
    expect(codeOf(await renew((await renewal(a, report(null), { now: new Date(Date.now() - 40 * 86400_000) })).file))).toBe("STALE_OFFLINE_REQUEST");
    // an activation request is not a renewal
    const wrong = await renew(a.req.file);
    expect(codeOf(wrong)).toBe("INVALID_OFFLINE_REQUEST");
    expect(wrong.errors![0]!.extensions).toMatchObject({ reason: "WRONG_KIND" });
  });
});

describe("alga-store activate-offline / renew-offline (compiled CLI)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "alga-offline-cli-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (args: string[], key = t.keys.support) =>
    run(process.execPath, ["store-client/dist/cli/main.js", ...args], { ALGA_LICENSE_URL: t.url, ALGA_LICENSE_API_KEY: key });

  it("answers request files with response files; tenant shows the offline mode, renewal due and the report chain", async () => {
    const reg = await registered();
    const key = await generateApplianceKey();
    const req = await activationRequest(key, reg.installCode, "cli-box");
    const reqFile = path.join(dir, "activation.json");
    const outFile = path.join(dir, "response.json");
    writeFileSync(reqFile, req.file);
    const human = await cli(["activate-offline", "--request", reqFile, "--out", outFile], t.keys.store);
    expect(human).toMatchObject({ code: 0, stderr: "" });
    expect(human.stdout).toContain(`Activated offline: tenant ${reg.tenantId} — PRO`);
    const jkt = await applianceKeyThumbprint(key);
    await verifyOfflineResponse(readFileSync(outFile, "utf8"), { keys: allKeys(), expect: { nonce: req.payload.nonce, applianceId: "cli-box", jkt } });

    // the same file again: refused, exit 7, the way out named
    const again = await cli(["activate-offline", "--request", reqFile, "--out", outFile, "--json"]);
    expect(again.code).toBe(7);
    expect(JSON.parse(again.stdout).error).toMatchObject({ code: "REPLAYED_OFFLINE_REQUEST" });

    const renewal = await signRenewalRequest({
      privateKey: key,
      applianceId: "cli-box",
      tenantId: reg.tenantId,
      tool: "alga-license/1.0.0",
      licenseJti: null,
      report: report(null),
    });
    const renewFile = path.join(dir, "renewal.json");
    writeFileSync(renewFile, renewal.file);
    const renewed = await cli(["renew-offline", "--request", renewFile, "--out", path.join(dir, "renewed.json"), "--json"]);
    expect(renewed.code).toBe(0);
    expect(JSON.parse(renewed.stdout)).toMatchObject({ tenantId: reg.tenantId, applianceId: "cli-box", edition: "PRO", report: { seq: 1, chain: "FIRST" } });
    await verifyOfflineResponse(readFileSync(path.join(dir, "renewed.json"), "utf8"), {
      keys: allKeys(),
      kind: "renewal",
      expect: { nonce: renewal.payload.nonce, jkt },
    });

    const shown = await cli(["tenant", reg.tenantId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/cli-box .*\n {6}offline: renewal due \d{4}-\d{2}-\d{2} [\d:]+ UTC, seat report #1 FIRST/);
  });

  it("exit codes name the problem: an unreadable file (2), an edited request (2), another appliance key (7)", async () => {
    const missing = await cli(["activate-offline", "--request", path.join(dir, "nope.json"), "--out", path.join(dir, "x.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json: cannot be read/);

    const garbage = path.join(dir, "garbage.json");
    writeFileSync(garbage, '{"format":"alga-offline-request","ver":1,"kind":"activation","request":"a.b.c"}');
    const bad = await cli(["activate-offline", "--request", garbage, "--out", path.join(dir, "x.json")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/INVALID_OFFLINE_REQUEST/);

    const a = await activated();
    const other = await signRenewalRequest({
      privateKey: await generateApplianceKey(),
      applianceId: a.id,
      tenantId: a.reg.tenantId,
      tool: "t",
      licenseJti: null,
      report: report(null),
    });
    const otherFile = path.join(dir, "other.json");
    writeFileSync(otherFile, other.file);
    const mismatch = await cli(["renew-offline", "--request", otherFile, "--out", path.join(dir, "x.json")]);
    expect(mismatch.code).toBe(7);
    expect(mismatch.stderr).toMatch(/APPLIANCE_KEY_MISMATCH[\s\S]*re-issued install code/);
  });
});
