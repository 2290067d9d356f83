// Signs license JWTs: aud = tenant id (from the registry, never from appliance input), sub = appliance
// id. The domain decides the grant (jti, expiry) and records it before anything is signed; the claims
// are the contract's (contract/src/license/claims.ts).
import { buildLicenseClaims, type LicenseGrant } from "@alga-license/contract";
import { SignJWT } from "jose";
import type { SigningKeySet } from "./signing-keys.js";

export type { LicenseGrant };

export type LicenseSigner = (grant: LicenseGrant) => Promise<string>;

export function createLicenseSigner(keys: SigningKeySet, opts: { issuer: string | (() => string) }): LicenseSigner {
  return (g) =>
    new SignJWT({ ...buildLicenseClaims(g, typeof opts.issuer === "function" ? opts.issuer() : opts.issuer) })
      .setProtectedHeader({ alg: keys.signer.alg, kid: keys.signer.kid, typ: "JWT" })
      .sign(keys.signer.key);
}
