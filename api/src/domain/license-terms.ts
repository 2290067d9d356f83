// What a tenant's entitlement lets a license say. One rule for redemption and check-in:
//   no entitlement                                → ESSENTIALS (free, no license token)
//   a licensing status (ACTIVE, PAST_DUE) in grace → paid, the license expiring no later than validUntil + grace
//   any other status (CANCELLED, EXPIRED)          → lapsed: no paid license (ENTITLEMENT_LAPSED at check-in)
//   past grace                                     → lapsed (EXPIRED)
// Which statuses license, are in grace, and what their lapse says: entitlements/states.ts.
import type { EntitlementRow } from "../data/entitlements.js";
import type { Edition, TenantStatus } from "../generated/prisma/enums.js";
import { stateOf, type LapsedReason } from "./entitlements/states.js";

export type LicenseTerms =
  | { kind: "essentials" }
  | { kind: "paid"; edition: Edition; entitlementId: string; expiresAt: Date; inGrace: boolean; seats: number }
  | { kind: "lapsed"; entitlementId: string; edition: Edition; reason: LapsedReason };

/** validUntil is at most this many years ahead (admin input, Stripe periods): further is a typo, not a contract. */
export const MAX_VALID_UNTIL_YEARS = 100;

export function latestValidUntil(now: Date): Date {
  const latest = new Date(now);
  latest.setUTCFullYear(latest.getUTCFullYear() + MAX_VALID_UNTIL_YEARS);
  return latest;
}

/**
 * The last instant an ISO 8601 date-time shows with a four-digit year: no expiry computed here is
 * later (a stored validUntil or a long LICENSE_TTL_SECONDS plus grace must not become "+010000-…").
 */
export const LATEST_DATE_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/** Suspended and cancelled tenants may not redeem, check in or get new codes. */
export const isBlocked = (status: TenantStatus) => status === "SUSPENDED" || status === "CANCELLED";

/** The last moment an entitlement may license anything (null: open-ended). */
export function licensedUntil(e: Pick<EntitlementRow, "validUntil" | "pastDueSince" | "status">, graceSeconds: number): Date | null {
  const base = e.validUntil ?? (stateOf(e.status).inGrace ? e.pastDueSince : null);
  return base ? new Date(Math.min(base.getTime() + graceSeconds * 1000, LATEST_DATE_TIME_MS)) : null;
}

export function licenseTerms(e: EntitlementRow | null, now: Date, o: { licenseTtlSeconds: number; graceSeconds: number }): LicenseTerms {
  if (!e) return { kind: "essentials" };
  const state = stateOf(e.status);
  if (!state.licenses) return { kind: "lapsed", entitlementId: e.id, edition: e.edition, reason: state.lapsedReason };
  const until = licensedUntil(e, o.graceSeconds);
  if (until && until <= now) return { kind: "lapsed", entitlementId: e.id, edition: e.edition, reason: "EXPIRED" };
  const ttlEnd = now.getTime() + o.licenseTtlSeconds * 1000;
  // whole seconds: the JWT's exp has no milliseconds, and the recorded expiry must equal it
  const expiresAt = new Date(Math.floor(Math.min(ttlEnd, until?.getTime() ?? Infinity, LATEST_DATE_TIME_MS) / 1000) * 1000);
  const inGrace = state.inGrace || (e.validUntil !== null && e.validUntil <= now);
  return { kind: "paid", edition: e.edition, entitlementId: e.id, expiresAt, inGrace, seats: e.seats };
}
