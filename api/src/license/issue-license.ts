// Mints license JWTs: aud = tenant id (from the registry, never from appliance input), sub = appliance id.
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { Edition } from "../generated/prisma/enums.js";
import { EDITION_FEATURES } from "./features.js";
import type { SigningKeySet } from "./signing-keys.js";

export interface LicenseGrant {
  tenantId: string;
  applianceId: string;
  edition: Edition;
}

export interface IssuedLicense {
  token: string;
  jti: string;
  expiresAt: Date;
}

export type LicenseIssuer = (grant: LicenseGrant) => Promise<IssuedLicense>;

export function createLicenseIssuer(keys: SigningKeySet, opts: { issuer: string; ttlSeconds: number }): LicenseIssuer {
  return async ({ tenantId, applianceId, edition }) => {
    const jti = randomUUID();
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + opts.ttlSeconds;
    const token = await new SignJWT({ edition, features: [...EDITION_FEATURES[edition]] })
      .setProtectedHeader({ alg: keys.signer.alg, kid: keys.signer.kid, typ: "JWT" })
      .setIssuer(opts.issuer)
      .setSubject(applianceId)
      .setAudience(tenantId)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(keys.signer.key);
    return { token, jti, expiresAt: new Date(exp * 1000) };
  };
}
