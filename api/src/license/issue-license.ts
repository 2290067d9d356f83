// Signs license JWTs: aud = tenant id (from the registry, never from appliance input), sub = appliance
// id. The domain decides the claims (jti, expiry) and records them before anything is signed.
import { constants, sign as cryptoSign, type KeyObject } from "node:crypto";
import { SignJWT } from "jose";
import type { Edition } from "../generated/prisma/enums.js";
import { EDITION_FEATURES } from "./features.js";
import type { SigningKeySet } from "./signing-keys.js";

export interface LicenseClaims {
  tenantId: string;
  applianceId: string;
  edition: Edition;
  jti: string;
  issuedAt: Date;
  expiresAt: Date;
}

export type LicenseSigner = (claims: LicenseClaims) => Promise<string>;

const b64url = (text: string) => Buffer.from(text, "utf8").toString("base64url");

/**
 * A compact JWS straight through node:crypto with the key object imported at start-up, for the
 * algorithms it signs in one call (jose's `SignJWT` goes through WebCrypto: a promise, a key check and
 * a copy per signature). The bytes are what `SignJWT` makes: the same header and claims in the same
 * order (EdDSA signatures are deterministic, so the same token; tests/signing-keys.test.ts compares).
 * Other algorithms: undefined, and jose signs.
 */
function directSigner(alg: string, key: KeyObject): ((input: string) => string) | undefined {
  const digest = { 256: "sha256", 384: "sha384", 512: "sha512" }[Number(alg.slice(2))];
  if (alg === "EdDSA") return (input) => cryptoSign(null, Buffer.from(input), key).toString("base64url");
  if (!digest) return undefined;
  if (alg.startsWith("ES")) return (input) => cryptoSign(digest, Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }).toString("base64url");
  if (alg.startsWith("RS")) return (input) => cryptoSign(digest, Buffer.from(input), key).toString("base64url");
  if (alg.startsWith("PS"))
    return (input) => cryptoSign(digest, Buffer.from(input), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 }).toString("base64url");
  return undefined;
}

export function createLicenseSigner(keys: SigningKeySet, opts: { issuer: string | (() => string) }): LicenseSigner {
  const { signer } = keys;
  const issuer = () => (typeof opts.issuer === "function" ? opts.issuer() : opts.issuer);
  const direct = directSigner(signer.alg, signer.keyObject);
  const header = b64url(JSON.stringify({ alg: signer.alg, kid: signer.kid, typ: "JWT" }));
  if (direct) {
    return async (c) => {
      const claims = b64url(
        JSON.stringify({
          edition: c.edition,
          features: [...EDITION_FEATURES[c.edition]],
          iss: issuer(),
          sub: c.applianceId,
          aud: c.tenantId,
          iat: Math.floor(c.issuedAt.getTime() / 1000),
          exp: Math.floor(c.expiresAt.getTime() / 1000),
          jti: c.jti,
        }),
      );
      const input = `${header}.${claims}`;
      return `${input}.${direct(input)}`;
    };
  }
  return (c) =>
    new SignJWT({ edition: c.edition, features: [...EDITION_FEATURES[c.edition]] })
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: "JWT" })
      .setIssuer(issuer())
      .setSubject(c.applianceId)
      .setAudience(c.tenantId)
      .setIssuedAt(Math.floor(c.issuedAt.getTime() / 1000))
      .setExpirationTime(Math.floor(c.expiresAt.getTime() / 1000))
      .setJti(c.jti)
      .sign(signer.key);
}
