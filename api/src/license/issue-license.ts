// Signs license JWTs: aud = tenant id (from the registry, never from appliance input), sub = appliance
// id. The domain decides the claims (jti, expiry) and records them before anything is signed. A license
// for an appliance whose key is known is bound to it: cnf.jkt (the appliance refuses another key's).
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
  /** RFC 7800 confirmation: the thumbprint of the appliance key the license is bound to (when known) */
  jkt?: string | null;
}

export type LicenseSigner = (claims: LicenseClaims) => Promise<string>;

export function createLicenseSigner(keys: SigningKeySet, opts: { issuer: string | (() => string) }): LicenseSigner {
  return (c) =>
    new SignJWT({ edition: c.edition, features: [...EDITION_FEATURES[c.edition]], ...(c.jkt ? { cnf: { jkt: c.jkt } } : {}) })
      .setProtectedHeader({ alg: keys.signer.alg, kid: keys.signer.kid, typ: "JWT" })
      .setIssuer(typeof opts.issuer === "function" ? opts.issuer() : opts.issuer)
      .setSubject(c.applianceId)
      .setAudience(c.tenantId)
      .setIssuedAt(Math.floor(c.issuedAt.getTime() / 1000))
      .setExpirationTime(Math.floor(c.expiresAt.getTime() / 1000))
      .setJti(c.jti)
      .sign(keys.signer.key);
}
