// checkIn: an appliance (authenticated by its credential, which already loaded its tenant's state and
// entitlement) gets a re-signed license whose aud stays its registry tenant. The write is one
// statement that locks the tenant and appliance and only proceeds if nothing changed since that load,
// so an acknowledged suspension or entitlement change is never undone and no license is signed for a
// tenant suspended at commit time. The token is signed after the commit, with the recorded jti.
import { randomUUID } from "node:crypto";
import { findSession, recordCheckIn, type ApplianceSession } from "../data/appliances.js";
import type { Edition } from "../generated/prisma/enums.js";
import { DomainError } from "./errors.js";
import { isBlocked, licenseTerms, type LicenseTerms } from "./license-terms.js";
import type { Actor } from "./principal.js";
import type { Services } from "./services.js";
import { optionalText, requireApplianceId } from "./validate.js";

export interface CheckInResult {
  token: string;
  expiresAt: Date;
  tenantId: string;
  edition: Edition;
}

const ATTEMPTS = 3;

/** No paid license (checkIn and the offline renewal): the subscription lapsed or there is none. */
export function entitlementLapsed(terms: Exclude<LicenseTerms, { kind: "paid" }>, restoredWhen: string): DomainError {
  const reason = terms.kind === "lapsed" ? terms.reason.toLowerCase() : "missing";
  return new DomainError(
    "ENTITLEMENT_LAPSED",
    `This organisation's paid subscription is ${reason}: no paid license is issued. The appliance runs as ESSENTIALS once its current license expires; renewing the subscription restores it ${restoredWhen}.`,
    { edition: "ESSENTIALS", reason: terms.kind === "lapsed" ? terms.reason : "NONE" },
  );
}

export async function checkIn(s: Services, actor: Actor, input: { applianceId: string; applianceVersion?: string | null }): Promise<CheckInResult> {
  const p = actor.principal;
  if (p.kind !== "appliance") throw new DomainError("UNAUTHENTICATED", "checkIn needs the appliance credential as a Bearer token.");
  const applianceId = requireApplianceId(input.applianceId);
  const version = optionalText(input.applianceVersion, "applianceVersion", 64) ?? null;
  // Says nothing about whether that id exists elsewhere.
  if (applianceId !== p.applianceId) throw new DomainError("FORBIDDEN", "This credential belongs to another appliance id.");

  let session: ApplianceSession | null = p;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    if (!session) throw new DomainError("UNAUTHENTICATED", "The appliance credential was not accepted: it was revoked or replaced.");
    if (isBlocked(session.tenantStatus)) throw new DomainError("TENANT_SUSPENDED", "This organisation's license is suspended. Contact your vendor.");
    const now = s.clock();
    const terms = licenseTerms(session.entitlement, now, { licenseTtlSeconds: s.licenseTtlSeconds, graceSeconds: s.entitlements.graceSeconds });
    if (terms.kind !== "paid") throw entitlementLapsed(terms, "at the next check-in");
    const jti = randomUUID();
    const written = await recordCheckIn(s.db, {
      applianceRowId: session.applianceRowId,
      credentialDigest: session.credentialDigest,
      tenantId: session.tenantId,
      revision: session.tenantRevision,
      edition: terms.edition,
      licenseJti: jti,
      licenseExpiresAt: terms.expiresAt,
      version,
      now,
      audit: {
        principalId: applianceId,
        requestId: actor.requestId,
        details: { applianceId, applianceVersion: version, licenseJti: jti, edition: terms.edition, inGrace: terms.inGrace },
      },
    });
    if (written) {
      const token = await s.signLicense({
        tenantId: session.tenantId,
        applianceId,
        edition: terms.edition,
        jti,
        issuedAt: now,
        expiresAt: terms.expiresAt,
        jkt: session.applianceKeyThumbprint,
      });
      return { token, expiresAt: terms.expiresAt, tenantId: session.tenantId, edition: terms.edition };
    }
    // The tenant, its entitlement or the credential changed since it was loaded: decide again.
    session = await findSession(s.db, { credentialDigest: session.credentialDigest });
  }
  throw new DomainError("SERVICE_BUSY", "The tenant changed during the check-in several times; retry shortly.", { retryAfterSeconds: 5 });
}
