// Licenses verified where they are enforced: the appliance's verifier against licenses and key
// hand-over documents signed the way the control plane signs them (its own signing code), then
// `alga-license status` on a real appliance database, and a key rotation handed over through the
// real API to the check-in agent (and a hand-over not signed by a pinned key refused).
import { createServer } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { exportJWK, GeneralSign, generateKeyPair, type JWK } from "jose";
import { loadConfig } from "../api/src/config.js";
import { startControlPlane, type ControlPlane } from "../api/src/control-plane.js";
import { createApiKey } from "../api/src/domain/api-keys.js";
import { createLicenseSigner } from "../api/src/license/issue-license.js";
import { signKeyHandover } from "../api/src/license/key-handover.js";
import { generateSigningKey, loadSigningKeys, publicPart, type SigningKeySet } from "../api/src/license/signing-keys.js";
import { createLogger } from "../api/src/log.js";
import { createTenant } from "../setup-tui/src/bootstrap/create-tenant.js";
import { chainTip, extendKeyChain, verifyKeyChain, type KeyChain } from "../setup-tui/src/license/chain.js";
import { acceptKeyHandover, isNewerLicense, KeyTrustError, pinnedKeys, verifyLicense, type VendorKeys } from "../setup-tui/src/license/index.js";
import { readSeedDir } from "../setup-tui/src/seeds.js";
import { applianceDb, checkInCli, claimsOf, licenseCli, licenseState, PASSWORD, query, setupCli } from "./helpers/appliance.js";
import { gqlRequest, REGISTER } from "./helpers/control-plane.js";
import { createScratchDatabase } from "./helpers/postgres.js";

const ISSUER = "https://license.vendor.test";
const TENANT = "7d9c1f0e-5a4b-4c3d-9e2f-1a2b3c4d5e6f";
const APPLIANCE = "box-1";
const HOUR = 3600;

const keySet = async (...jwks: JWK[]) => loadSigningKeys({ dataDir: "/nonexistent", configured: JSON.stringify(jwks) });
const handover = async (keys: SigningKeySet, at = Date.now()) => signKeyHandover(keys, ISSUER, at);
const license = (
  keys: SigningKeySet,
  o: { tenantId?: string; edition?: "PRO" | "PREMIUM"; issuedAt?: Date; expiresAt?: Date; applianceId?: string; issuer?: string } = {},
) =>
  createLicenseSigner(keys, { issuer: o.issuer ?? ISSUER })({
    tenantId: o.tenantId ?? TENANT,
    applianceId: o.applianceId ?? APPLIANCE,
    edition: o.edition ?? "PRO",
    jti: crypto.randomUUID(),
    issuedAt: o.issuedAt ?? new Date(),
    expiresAt: o.expiresAt ?? new Date(Date.now() + 30 * 24 * HOUR * 1000),
  });

let a: JWK, b: JWK, c: JWK;
let vendorA: SigningKeySet;
let pinsA: VendorKeys;
beforeAll(async () => {
  [a, b, c] = [(await generateSigningKey()).jwk, (await generateSigningKey()).jwk, (await generateSigningKey()).jwk];
  vendorA = await keySet(a);
  pinsA = await acceptKeyHandover(await handover(vendorA));
});

describe("verifyLicense", () => {
  const verify = (token: string, o: { tenantId?: string; now?: Date; graceSeconds?: number; keys?: VendorKeys } = {}) =>
    verifyLicense(token, {
      keys: o.keys ?? pinsA,
      tenantId: o.tenantId ?? TENANT,
      applianceId: APPLIANCE,
      now: o.now,
      graceSeconds: o.graceSeconds ?? 72 * HOUR,
    });

  it("valid: signature, iss, aud, sub, exp; edition and features", async () => {
    const r = await verify(await license(vendorA, { edition: "PREMIUM" }));
    expect(r).toMatchObject({ ok: true, state: "valid", claims: { edition: "PREMIUM", aud: TENANT, sub: APPLIANCE, iss: ISSUER, kid: a.kid } });
    expect(r.ok && r.claims.features).toContain("MOBILE_ACCESS");
  });

  it("wrong aud: a license of another tenant is refused", async () => {
    const r = await verify(await license(vendorA, { tenantId: "00000000-0000-4000-8000-000000000000" }));
    expect(r).toMatchObject({ ok: false, reason: "WRONG_TENANT", message: expect.stringContaining(`not for this appliance's tenant ${TENANT}: refused`) });
  });

  it("wrong key: signed by a key this appliance does not trust, or by another key under a trusted kid", async () => {
    expect(await verify(await license(await keySet(b)))).toMatchObject({ ok: false, reason: "UNKNOWN_KEY" });
    const impostor = await keySet({ ...b, kid: a.kid });
    expect(await verify(await license(impostor))).toMatchObject({ ok: false, reason: "BAD_SIGNATURE", message: expect.stringContaining("forged or altered") });
  });

  it("tampered: an edited claim breaks the signature", async () => {
    const token = await license(vendorA, { edition: "PRO" });
    const [h, , s] = token.split(".");
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claimsOf(token), edition: "PREMIUM" })).toString("base64url")}.${s}`;
    expect(await verify(tampered)).toMatchObject({ ok: false, reason: "BAD_SIGNATURE" });
    expect(await verify("not.a.token")).toMatchObject({ ok: false, reason: "MALFORMED" });
  });

  it("wrong issuer, another appliance, a license from the future", async () => {
    expect(await verify(await license(vendorA, { issuer: "https://evil.test" }))).toMatchObject({ ok: false, reason: "WRONG_ISSUER" });
    expect(await verify(await license(vendorA, { applianceId: "box-2" }))).toMatchObject({ ok: false, reason: "WRONG_APPLIANCE" });
    const future = new Date(Date.now() + 2 * HOUR * 1000);
    expect(await verify(await license(vendorA, { issuedAt: future, expiresAt: new Date(future.getTime() + HOUR * 1000) }))).toMatchObject({
      ok: false,
      reason: "NOT_YET_VALID",
    });
  });

  it("expired within the offline grace: honoured, flagged; past it: refused", async () => {
    const exp = new Date(Math.floor(Date.now() / 1000) * 1000);
    const token = await license(vendorA, { issuedAt: new Date(exp.getTime() - 24 * HOUR * 1000), expiresAt: exp });
    const within = await verify(token, { now: new Date(exp.getTime() + 71 * HOUR * 1000) });
    expect(within).toMatchObject({ ok: true, state: "in-grace" });
    expect(within.ok && within.graceEndsAt.getTime()).toBe(exp.getTime() + 72 * HOUR * 1000);
    const past = await verify(token, { now: new Date(exp.getTime() + 73 * HOUR * 1000) });
    expect(past).toMatchObject({ ok: false, reason: "EXPIRED", message: expect.stringMatching(/offline grace ended .*: refused/) });
    // no grace configured: refused at exp
    expect(await verify(token, { now: new Date(exp.getTime() + 1000), graceSeconds: 0 })).toMatchObject({ ok: false, reason: "EXPIRED" });
  });

  it("a clock behind by less than the license's lifetime: valid, judged at its iat; a lead beyond the lifetime is refused", async () => {
    const iat = new Date(Date.now() + 3 * 24 * HOUR * 1000);
    const r = await verify(await license(vendorA, { issuedAt: iat, expiresAt: new Date(iat.getTime() + 30 * 24 * HOUR * 1000) }));
    expect(r).toMatchObject({ ok: true, state: "valid" });
    expect(r.ok && r.judgedAt.getTime()).toBe(Math.floor(iat.getTime() / 1000) * 1000);
    const far = new Date(Date.now() + 31 * 24 * HOUR * 1000);
    expect(await verify(await license(vendorA, { issuedAt: far, expiresAt: new Date(far.getTime() + 30 * 24 * HOUR * 1000) }))).toMatchObject({
      ok: false,
      reason: "NOT_YET_VALID",
    });
  });

  it("judged at the time floor: a clock set back does not revive an expired license", async () => {
    const token = await license(vendorA, { issuedAt: new Date(Date.now() - 40 * 24 * HOUR * 1000), expiresAt: new Date(Date.now() - 10 * 24 * HOUR * 1000) });
    const setBack = new Date(Date.now() - 20 * 24 * HOUR * 1000);
    expect(await verifyLicense(token, { keys: pinsA, tenantId: TENANT, now: setBack, graceSeconds: 72 * HOUR })).toMatchObject({ ok: true, state: "valid" });
    expect(await verifyLicense(token, { keys: pinsA, tenantId: TENANT, now: setBack, timeFloor: new Date(), graceSeconds: 72 * HOUR })).toMatchObject({
      ok: false,
      reason: "EXPIRED",
    });
  });

  it("licenses are ordered by iat; another license of the same second replaces the stored one, the same one does not", () => {
    expect(isNewerLicense({ iat: 2, jti: "a" }, { iat: 1, jti: "z" })).toBe(true);
    expect(isNewerLicense({ iat: 1, jti: "z" }, { iat: 2, jti: "a" })).toBe(false);
    expect(isNewerLicense({ iat: 1, jti: "b" }, { iat: 1, jti: "a" })).toBe(true);
    expect(isNewerLicense({ iat: 1, jti: "a" }, { iat: 1, jti: "b" })).toBe(true);
    expect(isNewerLicense({ iat: 1, jti: "a" }, { iat: 1, jti: "a" })).toBe(false);
    expect(isNewerLicense({ iat: 1, jti: "a" }, null)).toBe(true);
  });

  it("nothing pinned: cannot verify, refused", async () => {
    expect(await verifyLicense(await license(vendorA), { keys: null, tenantId: TENANT })).toMatchObject({ ok: false, reason: "NO_KEYS" });
  });
});

describe("key hand-over (rotation)", () => {
  it("a rotation is accepted when a pinned key co-signs the document; licenses of the new key then verify", async () => {
    const t0 = Date.now();
    const rotated = await keySet(b, a); // new key first, the old one kept for one license lifetime
    const doc = await handover(rotated, t0 + 1000);
    expect(doc.signatures).toHaveLength(2);
    const pins = await acceptKeyHandover(doc, { pinned: pinsA });
    expect(pins.keys.map((k) => k.kid)).toEqual([b.kid, a.kid]);
    expect(await verifyLicense(await license(rotated), { keys: pins, tenantId: TENANT })).toMatchObject({ ok: true, claims: { kid: b.kid } });
    // later the old key is gone: the next document is signed by b alone, which is pinned now
    const later = await acceptKeyHandover(await handover(await keySet(b), t0 + 2000), { pinned: pins });
    expect(later.keys.map((k) => k.kid)).toEqual([b.kid]);
  });

  it("a document not signed by a pinned key is refused, whatever keys it carries", async () => {
    const attacker = await keySet(c, publicPart(a));
    await expect(acceptKeyHandover(await handover(attacker), { pinned: pinsA })).rejects.toMatchObject({ reason: "UNTRUSTED" });
    await expect(acceptKeyHandover(await handover(await keySet(c)), { pinned: pinsA })).rejects.toThrow(/not signed by a key this appliance already trusts/);
  });

  it("an older document never replaces newer pins (no rollback to a retired key set)", async () => {
    const newer = await acceptKeyHandover(await handover(vendorA, Date.now() + 60_000));
    await expect(acceptKeyHandover(await handover(vendorA, Date.now()), { pinned: newer })).rejects.toMatchObject({ reason: "OUTDATED" });
  });

  it("keys shipped with the image: the first document must be signed by one of them; malformed ones are refused", async () => {
    await expect(acceptKeyHandover(await handover(vendorA), { anchors: [publicPart(b)] })).rejects.toThrow(
      /not signed by a vendor key shipped with this appliance/,
    );
    expect((await acceptKeyHandover(await handover(vendorA), { anchors: [publicPart(a)] })).keys[0]!.kid).toBe(a.kid);
    await expect(acceptKeyHandover({ payload: "x", signatures: [] })).rejects.toBeInstanceOf(KeyTrustError);
    // a document signed by a trusted key but not typed as a key hand-over (e.g. some other JWS) is refused
    const { privateKey } = await generateKeyPair("EdDSA", { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: "k1", alg: "EdDSA" };
    const payload = new TextEncoder().encode(JSON.stringify({ iss: ISSUER, iat: 1, keys: [publicPart(jwk)] }));
    const untyped = new GeneralSign(payload);
    untyped.addSignature(privateKey).setProtectedHeader({ alg: "EdDSA", kid: "k1" });
    await expect(acceptKeyHandover(await untyped.sign())).rejects.toMatchObject({
      reason: "MALFORMED",
      message: expect.stringContaining("not alga-license-keys+jws"),
    });
  });
});

describe("the chain of trust (chain.ts)", () => {
  const now = () => new Date(Date.now() + 60_000);
  const extend = (
    chain: KeyChain | null,
    doc: unknown,
    o: { root?: JWK[] | null; firstUse?: boolean; reference?: Date; evidence?: () => Promise<Date | null> } = {},
  ) => extendKeyChain(chain, doc, { root: o.root ?? null, reference: o.reference ?? now(), firstUse: o.firstUse, evidence: o.evidence });
  const kids = (c: KeyChain) => c.links.map((l) => l.keys.map((k) => k.kid).join("+"));

  it("after the vendor retires the root key, the chain of hand-overs still re-verifies from the root; the newest document alone does not", async () => {
    const t0 = Date.now();
    const root = [publicPart(a)];
    const first = await extend(null, await handover(vendorA, t0), { root });
    const overlap = await extend(first, await handover(await keySet(b, a), t0 + 1000), { root }); // a co-signs: root-signed, a fresh start
    expect(kids(overlap)).toEqual([`${b.kid}+${a.kid}`]);
    const retired = await extend(overlap, await handover(await keySet(b), t0 + 2000), { root });
    expect(kids(retired)).toEqual([`${b.kid}+${a.kid}`, b.kid!]);
    const docs = retired.links.map((l) => l.document);
    expect(chainTip(await verifyKeyChain(docs, root)).keys.map((k) => k.kid)).toEqual([b.kid]);
    await expect(verifyKeyChain(docs.slice(-1), root)).rejects.toMatchObject({
      reason: "UNTRUSTED",
      message: expect.stringContaining("do not chain to the vendor keys shipped"),
    });
    // the chain stays short: later documents of the same keys replace the tip
    let chain = retired;
    for (let i = 3; i < 8; i++) chain = await extend(chain, await handover(await keySet(b), t0 + i * 1000), { root });
    expect(chain.links).toHaveLength(2);
    // a retired key vouches for nothing new, although an earlier link lists it
    await expect(extend(chain, await handover(vendorA, t0 + 9000), { root: null })).rejects.toMatchObject({ reason: "UNTRUSTED" });
  });

  it("a stored link not signed by its predecessor, or older than it, breaks the chain", async () => {
    const t0 = Date.now();
    const d1 = await handover(vendorA, t0);
    await expect(verifyKeyChain([d1, await handover(await keySet(c), t0 + 1000)], null)).rejects.toMatchObject({ reason: "UNTRUSTED" });
    await expect(verifyKeyChain([d1, await handover(vendorA, t0 - 5000)], null)).rejects.toMatchObject({ reason: "OUTDATED" });
    expect((await verifyKeyChain([d1, await handover(vendorA, t0 + 1000)], null)).anchored).toBe(false);
  });

  it("unanchored: trust on first use only when allowed (the first bootstrap), and its document stays the anchor", async () => {
    const t0 = Date.now();
    await expect(extend(null, await handover(vendorA, t0))).rejects.toThrow(/trust on first use happens only at its first bootstrap/);
    const tofu = await extend(null, await handover(vendorA, t0), { firstUse: true });
    const next = await extend(tofu, await handover(vendorA, t0 + 1000));
    const again = await extend(next, await handover(vendorA, t0 + 2000));
    expect(again.links.map((l) => l.issuedAt)).toEqual([Math.floor(t0 / 1000), Math.floor((t0 + 2000) / 1000)]);
  });

  it("a document dated beyond a small skew ahead of the service's time as known is refused, unless a license of the same answer vouches for its date", async () => {
    const t0 = Date.now();
    const ahead = await handover(vendorA, t0 + 3 * 24 * HOUR * 1000);
    await expect(extend(pinsA ? { links: [pinsA], anchored: false } : null, ahead, { reference: new Date(t0) })).rejects.toMatchObject({ reason: "FUTURE" });
    const vouched = await extend({ links: [pinsA], anchored: false }, ahead, {
      reference: new Date(t0),
      evidence: async () => new Date(t0 + 3 * 24 * HOUR * 1000),
    });
    expect(chainTip(vouched).issuedAt).toBe(pinnedKeys(ahead).issuedAt);
    await expect(extend({ links: [pinsA], anchored: false }, ahead, { reference: new Date(t0), evidence: async () => null })).rejects.toMatchObject({
      reason: "FUTURE",
    });
    // acceptKeyHandover applies the same rule (the 100-years-ahead document the vendor should never have signed)
    await expect(acceptKeyHandover(await handover(vendorA, t0 + 100 * 365 * 24 * HOUR * 1000), { pinned: pinsA })).rejects.toMatchObject({ reason: "FUTURE" });
  });
});

describe("alga-license status", () => {
  /** an appliance bootstrapped with a license of our own making */
  async function appliance(token: string, vendor = vendorA) {
    const db = await applianceDb();
    await createTenant(
      db,
      {
        INITIAL_TENANT_ID: TENANT,
        INITIAL_ADMIN_PASSWORD: PASSWORD,
        INITIAL_COMPANY_NAME: "Status GmbH",
        EDITION: "PRO",
        APPLIANCE_ID: APPLIANCE,
        LICENSE_TOKEN: await license(vendor),
        APPLIANCE_CREDENTIAL: "alc_test",
        CHECK_IN_URL: "http://127.0.0.1:9/graphql",
        LICENSE_VENDOR_KEYS: JSON.stringify(await handover(vendor)),
      },
      {},
    );
    await query(db, "UPDATE license_state SET license_token = $1", [token]);
    return db;
  }
  const status = async (db: string, json = true) => {
    const r = await licenseCli(["status", ...(json ? ["--json"] : [])], { APPLIANCE_DATABASE_URL: db });
    return { code: r.code, out: json ? JSON.parse(r.stdout) : r.stdout, stderr: r.stderr };
  };

  it("a valid license: edition, features (MOBILE_ACCESS), expiry, last check-in, verification; text and --json", async () => {
    const db = await appliance(await license(vendorA, { edition: "PREMIUM" }));
    const { code, out } = await status(db);
    expect(code).toBe(0);
    expect(out).toMatchObject({
      edition: "PREMIUM",
      licensed: true,
      tenantId: TENANT,
      applianceId: APPLIANCE,
      verification: { result: "valid" },
      lastCheckInAt: null,
    });
    expect(out.features).toContain("MOBILE_ACCESS");
    expect(out.vendorKeys.kids).toEqual([a.kid]);
    const text = await status(db, false);
    expect(text.out).toMatch(/edition: +PREMIUM/);
    expect(text.out).toMatch(/features: +MOBILE_ACCESS/);
    expect(text.out).toMatch(/last check-in: never/);
  });

  it("a forged license, another tenant's, and one expired past the grace are refused with a clear message (exit 4); within the grace exit 3", async () => {
    const good = await license(vendorA);
    const [h, , s] = good.split(".");
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claimsOf(good), edition: "PREMIUM" })).toString("base64url")}.${s}`;
    const cases: [string, string, RegExp][] = [
      ["forged", forged, /signature does not verify: it was forged or altered, refused; the appliance runs as ESSENTIALS/],
      ["other tenant", await license(vendorA, { tenantId: "00000000-0000-4000-8000-000000000000" }), /not for this appliance's tenant/],
      ["another vendor key", await license(await keySet(c)), /signed by a key this appliance does not trust/],
      [
        "expired past grace",
        await license(vendorA, { issuedAt: new Date(Date.now() - 40 * 24 * HOUR * 1000), expiresAt: new Date(Date.now() - 4 * 24 * HOUR * 1000) }),
        /offline grace ended/,
      ],
    ];
    for (const [label, token, message] of cases) {
      const { code, out } = await status(await appliance(token));
      expect([label, code, out.edition, out.licensed, out.verification.result]).toEqual([label, 4, "ESSENTIALS", false, "refused"]);
      expect(out.verification.message).toMatch(message);
      expect(out.features).toEqual([]);
    }
    const inGrace = await status(
      await appliance(await license(vendorA, { issuedAt: new Date(Date.now() - 31 * 24 * HOUR * 1000), expiresAt: new Date(Date.now() - HOUR * 1000) })),
    );
    expect(inGrace).toMatchObject({ code: 3, out: { edition: "PRO", licensed: true, verification: { result: "in-grace" } } });
  });

  it("not bootstrapped, or no database: exit 2 with the reason", async () => {
    const empty = await applianceDb();
    const r = await licenseCli(["status"], { APPLIANCE_DATABASE_URL: empty });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("not bootstrapped yet");
    const usage = await licenseCli(["stats"], { APPLIANCE_DATABASE_URL: empty });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unknown command "stats": use alga-license status');
    expect((await licenseCli(["status"], { APPLIANCE_DATABASE_URL: "" })).stderr).toContain("APPLIANCE_DATABASE_URL: is required");
  });
});

describe("rotation through the real API and the check-in agent", () => {
  // one database and one address, control planes started over it with different signing keys
  let databaseUrl: string;
  let dropDb: () => Promise<void>;
  let dataDir: string;
  let port: number;
  let plane: ControlPlane | undefined;
  const silent = createLogger("silent", new Writable({ write: (_c, _e, cb) => cb() }));

  beforeAll(async () => {
    const scratch = await createScratchDatabase();
    databaseUrl = scratch.url;
    dropDb = scratch.drop;
    dataDir = mkdtempSync(path.join(os.tmpdir(), "alga-rotation-"));
    port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
  });
  afterAll(async () => {
    await plane?.stop();
    await dropDb();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startWith(keys: JWK[]) {
    await plane?.stop();
    const config = loadConfig({
      PORT: String(port),
      HOST: "127.0.0.1",
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      MIGRATE_ON_START: "false",
      DATABASE_POOL_SIZE: "3",
      LICENSE_SIGNING_KEYS: JSON.stringify(keys),
      SERVER_SECRET: "rotation-test-secret-rotation-test-secret-0123456789",
    });
    plane = await startControlPlane(config, silent, { outboxWorker: false });
    return plane;
  }

  it("the old key co-signs the hand-over: the agent pins the new key and stores the new key's license; a hand-over without a pinned key's signature is refused and its license not stored", async () => {
    const p = await startWith([a]);
    const store = (await createApiKey(p.services.db, "STORE", "rotation")).key;
    const reg = (
      await gqlRequest<any>(p.url, REGISTER, { input: { companyName: "Rotation AG", contactEmail: "ops@rotation.test", edition: "PRO" } }, { token: store })
    ).data.registerTenant;
    const dir = mkdtempSync(path.join(os.tmpdir(), "alga-rotation-seeds-"));
    try {
      const pw = path.join(dir, "pw");
      (await import("node:fs")).writeFileSync(pw, PASSWORD);
      const setup = await setupCli([
        "--install-code",
        reg.installCode,
        "--admin-password-file",
        pw,
        "--license-url",
        p.url,
        "--output",
        dir,
        "--appliance-id",
        "rot-1",
      ]);
      expect(setup.code).toBe(0);
      const db = await applianceDb();
      await createTenant(db, readSeedDir(dir));
      expect((await licenseState(db)).vendor_keys).toBeTruthy();

      // the vendor rotates: b signs, a is kept for one license lifetime and co-signs the hand-over
      await startWith([b, a]);
      const rotated = await checkInCli(["--no-spread", "--json"], { APPLIANCE_DATABASE_URL: db });
      expect(rotated.code).toBe(0);
      expect(JSON.parse(rotated.stdout)).toMatchObject({ status: "refreshed", keys: "updated" });
      const state = await licenseState(db);
      expect(state.vendor_keys.signatures).toHaveLength(2);
      expect(JSON.parse(Buffer.from(state.license_token.split(".")[0], "base64url").toString()).kid).toBe(b.kid);
      const st = await licenseCli(["status", "--json"], { APPLIANCE_DATABASE_URL: db });
      expect(st.code).toBe(0);
      expect(JSON.parse(st.stdout)).toMatchObject({ verification: { result: "valid" }, vendorKeys: { kids: [b.kid, a.kid] } });

      // someone answers at that address with a key of its own (the vendor's keys are not in service)
      await startWith([c]);
      const hijacked = await checkInCli(["--no-spread", "--json"], { APPLIANCE_DATABASE_URL: db });
      expect(hijacked.code).toBe(6);
      const report = JSON.parse(hijacked.stdout);
      expect(report).toMatchObject({ status: "not-verified", keys: "not-updated" });
      expect(report.keysNote).toMatch(/not signed by a key this appliance already trusts/);
      expect(report.message).toMatch(/the refreshed license was not stored: the license is signed by a key this appliance does not trust/);
      const after = await licenseState(db);
      expect(after.license_token).toBe(state.license_token);
      expect(after.vendor_keys).toEqual(state.vendor_keys);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("the image ships key a, the vendor retires it: the agent keeps the hand-over that links b to a, and status re-verifies that chain from the root on every read", async () => {
    const p = await startWith([a]);
    const store = (await createApiKey(p.services.db, "STORE", "retire")).key;
    const reg = (
      await gqlRequest<any>(p.url, REGISTER, { input: { companyName: "Retire AG", contactEmail: "ops@retire.test", edition: "PRO" } }, { token: store })
    ).data.registerTenant;
    const dir = mkdtempSync(path.join(os.tmpdir(), "alga-retire-seeds-"));
    const root = { ALGA_VENDOR_KEYS: JSON.stringify({ keys: [publicPart(a)] }) };
    try {
      const pw = path.join(dir, "pw");
      (await import("node:fs")).writeFileSync(pw, PASSWORD);
      expect(
        (
          await setupCli(
            ["--install-code", reg.installCode, "--admin-password-file", pw, "--license-url", p.url, "--output", dir, "--appliance-id", "ret-1"],
            root,
          )
        ).code,
      ).toBe(0);
      const db = await applianceDb();
      await createTenant(db, readSeedDir(dir), { vendorKeys: [publicPart(a)] });
      await startWith([b, a]);
      expect(JSON.parse((await checkInCli(["--no-spread", "--json"], { APPLIANCE_DATABASE_URL: db, ...root })).stdout)).toMatchObject({
        status: "refreshed",
        keys: "updated",
      });
      // a is retired: the document is signed by b alone, which no key of the image signed
      await startWith([b]);
      expect(JSON.parse((await checkInCli(["--no-spread", "--json"], { APPLIANCE_DATABASE_URL: db, ...root })).stdout)).toMatchObject({
        status: "refreshed",
        keys: "updated",
      });
      const state = await licenseState(db);
      expect(state.key_chain).toHaveLength(2);
      expect(JSON.parse(Buffer.from(state.license_token.split(".")[0], "base64url").toString()).kid).toBe(b.kid);
      const st = await licenseCli(["status", "--json"], { APPLIANCE_DATABASE_URL: db, ...root });
      expect(st.code).toBe(0);
      expect(JSON.parse(st.stdout)).toMatchObject({
        edition: "PRO",
        verification: { result: "valid" },
        vendorKeys: { kids: [b.kid] },
        trust: { anchored: true, verified: true, documents: 2 },
      });
      // the newest document alone does not reach the root
      await query(db, "UPDATE license_state SET key_chain = jsonb_build_array(vendor_keys)");
      const cut = await licenseCli(["status", "--json"], { APPLIANCE_DATABASE_URL: db, ...root });
      expect(cut.code).toBe(4);
      expect(JSON.parse(cut.stdout).verification.message).toMatch(/do not chain to the vendor keys shipped with this appliance/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
