// The license format (contract/src/license): what the control plane writes is what the appliance
// reads, a token of an older format (no ver) is version 1, a newer format is refused with a message
// that names the way out, and a key binding (cnf) is carried through.
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import {
  APPLIANCE_ID_PATTERN,
  buildLicenseClaims,
  EDITION_FEATURES,
  EDITIONS,
  isApplianceId,
  isUuid,
  LICENSE_FORMAT_VERSION,
  parseLicenseClaims,
  type LicenseGrant,
} from "../../contract/src/index.js";
import { verifyLicense, type VendorKeys } from "../../setup-tui/src/license/verify.js";

const ISSUER = "https://license.vendor.test";
const TENANT = "7d9c1f0e-5a4b-4c3d-9e2f-1a2b3c4d5e6f";
const JKT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
const now = new Date("2026-12-02T10:00:00Z");
const grant = (g: Partial<LicenseGrant> = {}): LicenseGrant => ({
  tenantId: TENANT,
  applianceId: "box-1",
  edition: "PRO",
  jti: "0b9f3f6c-1c1e-4a57-9a51-8d0f3f6f2d11",
  issuedAt: now,
  expiresAt: new Date(now.getTime() + 30 * 86_400_000),
  ...g,
});
const wire = (g?: Partial<LicenseGrant>) => JSON.parse(JSON.stringify(buildLicenseClaims(grant(g), ISSUER))) as Record<string, unknown>;

describe("buildLicenseClaims → parseLicenseClaims", () => {
  it("round-trips every claim, ver 1, the edition's features", () => {
    const written = wire();
    expect(written).toEqual({
      iss: ISSUER,
      sub: "box-1",
      aud: TENANT,
      ver: LICENSE_FORMAT_VERSION,
      edition: "PRO",
      features: [...EDITION_FEATURES.PRO],
      iat: Math.floor(now.getTime() / 1000),
      exp: Math.floor(now.getTime() / 1000) + 30 * 86_400,
      jti: grant().jti,
    });
    expect(parseLicenseClaims(written)).toEqual({ ok: true, claims: written, audiences: [TENANT] });
  });

  it("binds the license to the appliance key when its thumbprint is known (cnf.jkt, RFC 7800)", () => {
    const written = wire({ applianceKeyThumbprint: JKT });
    expect(written.cnf).toEqual({ jkt: JKT });
    const parsed = parseLicenseClaims(written);
    expect(parsed.ok && parsed.claims.cnf).toEqual({ jkt: JKT });
    expect(wire({ applianceKeyThumbprint: null })).not.toHaveProperty("cnf");
  });

  it("reads a token without ver (issued before the claim) as version 1", () => {
    const { ver: _ver, ...older } = wire();
    const parsed = parseLicenseClaims(older);
    expect(parsed.ok && parsed.claims.ver).toBe(1);
  });

  it.each([2, 7])("refuses format version %i, saying the appliance tools must be updated", (ver) => {
    const parsed = parseLicenseClaims({ ...wire(), ver, edition: "SOMETHING_NEW" });
    expect(parsed).toEqual({ ok: false, problem: "UNSUPPORTED_VERSION", message: expect.stringContaining(`format version ${ver}`) });
    expect(!parsed.ok && parsed.message).toMatch(/update the appliance tools/);
  });

  it.each<[string, Record<string, unknown>]>([
    ["ver 0", { ver: 0 }],
    ["ver as a string", { ver: "1" }],
    ["ver 1.5", { ver: 1.5 }],
    ["an unknown edition", { edition: "GOLD" }],
    ["no exp", { exp: undefined }],
    ["jti a number", { jti: 5 }],
    ["cnf without jkt", { cnf: {} }],
    ["cnf.jkt not a SHA-256 thumbprint", { cnf: { jkt: "short" } }],
    ["cnf null", { cnf: null }],
  ])("refuses %s as MALFORMED", (_name, change) => {
    const parsed = parseLicenseClaims(JSON.parse(JSON.stringify({ ...wire(), ...change })));
    expect(parsed).toMatchObject({ ok: false, problem: "MALFORMED" });
  });

  it.each([null, [], "a string", 3])("refuses a payload that is not an object (%p)", (payload) => {
    expect(parseLicenseClaims(payload)).toMatchObject({ ok: false, problem: "MALFORMED" });
  });
});

describe("the appliance's verifier reads the contract's format", () => {
  let priv: CryptoKey;
  let keys: VendorKeys;
  beforeAll(async () => {
    const pair = await generateKeyPair("EdDSA", { extractable: true });
    priv = pair.privateKey;
    const pub: JWK = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "EdDSA" };
    keys = { issuer: ISSUER, issuedAt: 0, keys: [pub], document: { payload: "", signatures: [] } };
  });
  const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", kid: "k1", typ: "JWT" }).sign(priv);
  const verify = (token: string) => verifyLicense(token, { keys, tenantId: TENANT, applianceId: "box-1", now });

  it("accepts ver 1 and a token without ver alike", async () => {
    const { ver: _ver, ...older } = wire();
    for (const claims of [wire(), older]) {
      const check = await verify(await sign(claims));
      expect(check).toMatchObject({ ok: true, state: "valid", claims: { ver: 1, edition: "PRO", kid: "k1" } });
    }
  });

  it("refuses a newer format predictably: UNSUPPORTED_VERSION, update the appliance tools", async () => {
    const check = await verify(await sign({ ...wire(), ver: LICENSE_FORMAT_VERSION + 1 }));
    expect(check).toMatchObject({ ok: false, reason: "UNSUPPORTED_VERSION" });
    expect(check.message).toMatch(/update the appliance tools/);
  });

  it("keeps the key binding of a verified license", async () => {
    const check = await verify(await sign(wire({ applianceKeyThumbprint: JKT })));
    expect(check.ok && check.claims.cnf).toEqual({ jkt: JKT });
  });
});

describe("editions and identifiers, once", () => {
  it("every edition has its features; only paid ones carry any", () => {
    expect(Object.keys(EDITION_FEATURES).sort()).toEqual([...EDITIONS].sort());
    expect(EDITION_FEATURES.ESSENTIALS).toEqual([]);
  });

  it.each([
    ["box-1", true],
    ["appl-0123456789abcdef0123", true],
    ["a".repeat(128), true],
    ["a".repeat(129), false],
    ["-box", false],
    ["box 1", false],
    ["", false],
  ])("appliance id %p: %p", (id, ok) => {
    expect(isApplianceId(id)).toBe(ok);
    expect(APPLIANCE_ID_PATTERN.test(id)).toBe(ok);
  });

  it.each([
    [TENANT, true],
    [TENANT.toUpperCase(), true],
    [`${TENANT}0`, false],
    ["not-a-uuid", false],
  ])("UUID %p: %p", (id, ok) => expect(isUuid(id)).toBe(ok));
});
