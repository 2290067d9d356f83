import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import { createLicenseSigner } from "../api/src/license/issue-license.js";
import { buildLicenseClaims } from "@alga-license/contract";
import { generateSigningKey, loadSigningKeys, publicPart, rotateLocalKeys } from "../api/src/license/signing-keys.js";

const grant = { tenantId: "3b8f7a52-1111-4c1d-9a55-0f1f2e3d4c5b", applianceId: "box-9", edition: "PRO" as const };
const claims = () => ({ ...grant, jti: crypto.randomUUID(), issuedAt: new Date(), expiresAt: new Date(Date.now() + 3600_000) });
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "alga-keys-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("license signing keys", () => {
  it("generates and persists a local Ed25519 key on first use, then reuses it", async () => {
    const a = await loadSigningKeys({ dataDir: dir });
    const b = await loadSigningKeys({ dataDir: dir });
    expect(a.signer.alg).toBe("EdDSA");
    expect(b.signer.kid).toBe(a.signer.kid);
  });

  it("rotation: new tokens carry the new kid; old tokens still verify against the JWKS; old key leaves after the TTL", async () => {
    const before = await loadSigningKeys({ dataDir: dir });
    const oldToken = await createLicenseSigner(before, { issuer: "iss" })(claims());
    await rotateLocalKeys(dir, 3600);
    const after = await loadSigningKeys({ dataDir: dir });
    expect(after.signer.kid).not.toBe(before.signer.kid);
    const newToken = await createLicenseSigner(after, { issuer: "iss" })(claims());
    expect(decodeProtectedHeader(newToken).kid).toBe(after.signer.kid);
    const jwks = createLocalJWKSet(after.publicJwks());
    expect(after.publicJwks().keys.map((k) => k.kid)).toEqual([after.signer.kid, before.signer.kid]);
    await expect(jwtVerify(oldToken, jwks, { audience: grant.tenantId })).resolves.toBeTruthy();
    await expect(jwtVerify(newToken, jwks, { audience: grant.tenantId })).resolves.toBeTruthy();
    // one license lifetime later the retired key is no longer published
    expect(after.publicJwks(Date.now() + 3601_000).keys.map((k) => k.kid)).toEqual([after.signer.kid]);
  });

  it("reads production keys from LICENSE_SIGNING_KEYS as JWK arrays, JWKS objects and PEMs", async () => {
    const first = await generateSigningKey();
    const second = await generateSigningKey();
    const asArray = await loadSigningKeys({ dataDir: dir, configured: JSON.stringify([first.jwk, publicPart(second.jwk)]) });
    expect(asArray.source).toBe("env");
    expect(asArray.signer.kid).toBe(first.jwk.kid);
    expect(asArray.publicJwks().keys.map((k) => k.kid)).toEqual([first.jwk.kid, second.jwk.kid]);
    const asJwks = await loadSigningKeys({ dataDir: dir, configured: JSON.stringify({ keys: [second.jwk] }) });
    expect(asJwks.signer.kid).toBe(second.jwk.kid);

    const pem = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const fromPem = await loadSigningKeys({ dataDir: dir, configured: pem + ec });
    expect(fromPem.signer.alg).toBe("EdDSA");
    expect(fromPem.publicJwks().keys.map((k) => k.alg)).toEqual(["EdDSA", "ES256"]);
    const token = await createLicenseSigner(fromPem, { issuer: "iss" })(claims());
    await expect(jwtVerify(token, createLocalJWKSet(fromPem.publicJwks()), { audience: grant.tenantId })).resolves.toBeTruthy();
  });

  it("signs through node:crypto the token jose's SignJWT makes: same header and claims, byte for byte (EdDSA, ES256, RS256)", async () => {
    const pems = {
      EdDSA: generateKeyPairSync("ed25519").privateKey,
      ES256: generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey,
      RS256: generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey,
    };
    for (const [alg, key] of Object.entries(pems)) {
      const jwk = { ...key.export({ format: "jwk" }), alg };
      const keys = await loadSigningKeys({ dataDir: dir, configured: JSON.stringify([jwk]) });
      expect(keys.signer.alg).toBe(alg);
      const c = claims();
      const token = await createLicenseSigner(keys, { issuer: "https://licenses.example" })(c);
      const viaJose = await new SignJWT({ ...buildLicenseClaims(c, "https://licenses.example") })
        .setProtectedHeader({ alg, kid: keys.signer.kid, typ: "JWT" })
        .sign(keys.signer.key);
      const signed = (t: string) => t.split(".").slice(0, 2).join(".");
      expect(signed(token)).toBe(signed(viaJose));
      // Ed25519 and RSASSA-PKCS1-v1_5 signatures are deterministic: the whole token is jose's
      if (alg === "EdDSA" || alg === "RS256") expect(token).toBe(viaJose);
      const verified = await jwtVerify(token, createLocalJWKSet(keys.publicJwks()), {
        audience: grant.tenantId,
        issuer: "https://licenses.example",
        algorithms: [alg],
      });
      expect(verified.payload).toMatchObject({ sub: grant.applianceId, edition: "PRO", jti: c.jti });
    }
  });

  it("refuses a key whose algorithm the appliances do not accept (the contract's LICENSE_ALGORITHMS)", async () => {
    const { jwk } = await generateSigningKey("ES256");
    await expect(loadSigningKeys({ dataDir: dir, configured: JSON.stringify({ ...jwk, alg: "ES512" }) })).rejects.toThrow(
      /algorithm ES512 is not one appliances accept \(EdDSA, ES256, ES384, RS256\)/,
    );
  });

  it("refuses a key set with no private key", async () => {
    const only = await generateSigningKey();
    await expect(loadSigningKeys({ dataDir: dir, configured: JSON.stringify(publicPart(only.jwk)) })).rejects.toThrow(/no private signing key/);
  });
});
