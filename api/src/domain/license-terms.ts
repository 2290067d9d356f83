// What a tenant's entitlement lets a license say. One rule for redemption and check-in:
//   no entitlement                     → ESSENTIALS (free, no license token)
//   ACTIVE / PAST_DUE within grace     → paid, the license expiring no later than validUntil + grace
//   CANCELLED, EXPIRED, or past grace  → lapsed: no paid license (ENTITLEMENT_LAPSED at check-in)
import type { EntitlementRow } from "../data/entitlements.js";
import type { Edition, TenantStatus } from "../generated/prisma/enums.js";

export type LicenseTerms =
  | { kind: "essentials" }
  | { kind: "paid"; edition: Edition; entitlementId: string; expiresAt: Date; inGrace: boolean; seats: number }
  | { kind: "lapsed"; entitlementId: string; edition: Edition; reason: "CANCELLED" | "EXPIRED" };

/** Suspended and cancelled tenants may not redeem, check in or get new codes. */
export const isBlocked = (status: TenantStatus) => status === "SUSPENDED" || status === "CANCELLED";

/** The last moment an entitlement may license anything (null: open-ended). */
export function licensedUntil(e: Pick<EntitlementRow, "validUntil" | "pastDueSince" | "status">, graceSeconds: number): Date | null {
  const base = e.validUntil ?? (e.status === "PAST_DUE" ? e.pastDueSince : null);
  return base ? new Date(base.getTime() + graceSeconds * 1000) : null;
}

export function licenseTerms(
  e: EntitlementRow | null,
  now: Date,
  o: { licenseTtlSeconds: number; graceSeconds: number },
): LicenseTerms {
  if (!e) return { kind: "essentials" };
  if (e.status === "CANCELLED" || e.status === "EXPIRED") return { kind: "lapsed", entitlementId: e.id, edition: e.edition, reason: e.status };
  const until = licensedUntil(e, o.graceSeconds);
  if (until && until <= now) return { kind: "lapsed", entitlementId: e.id, edition: e.edition, reason: "EXPIRED" };
  const ttlEnd = now.getTime() + o.licenseTtlSeconds * 1000;
  // whole seconds: the JWT's exp has no milliseconds, and the recorded expiry must equal it
  const expiresAt = new Date(Math.floor(Math.min(ttlEnd, until?.getTime() ?? Infinity) / 1000) * 1000);
  const inGrace = e.status === "PAST_DUE" || (e.validUntil !== null && e.validUntil <= now);
  return { kind: "paid", edition: e.edition, entitlementId: e.id, expiresAt, inGrace, seats: e.seats };
}
