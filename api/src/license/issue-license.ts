// Signs license JWTs: aud = tenant id (from the registry, never from appliance input), sub = appliance
// id. The domain decides the grant (jti, expiry) and records it before anything is signed; the claims
// are the contract's (contract/src/license/claims.ts).
import { sign as cryptoSign, type KeyObject } from "node:crypto";
import { buildLicenseClaims, type LicenseGrant } from "@alga-license/contract";
import { SignJWT } from "jose";
import type { SigningKeySet } from "./signing-keys.js";

export type { LicenseGrant };

export type LicenseSigner = (grant: LicenseGrant) => Promise<string>;

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
  return undefined;
}

export function createLicenseSigner(keys: SigningKeySet, opts: { issuer: string | (() => string) }): LicenseSigner {
  const { signer } = keys;
  const issuer = () => (typeof opts.issuer === "function" ? opts.issuer() : opts.issuer);
  const direct = directSigner(signer.alg, signer.keyObject);
  const header = b64url(JSON.stringify({ alg: signer.alg, kid: signer.kid, typ: "JWT" }));
  if (direct) {
    return async (g) => {
      const input = `${header}.${b64url(JSON.stringify(buildLicenseClaims(g, issuer())))}`;
      return `${input}.${direct(input)}`;
    };
  }
  return (g) => new SignJWT({ ...buildLicenseClaims(g, issuer()) }).setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: "JWT" }).sign(signer.key);
}
