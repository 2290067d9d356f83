// What each entitlement status means, in one table: every decision on a status (does it license, is
// it in grace, can a payment bring it back, which audit action records it) reads this table instead
// of comparing statuses. A status added to the Prisma enum (EntitlementStatus) does not compile
// until it has a row here.
import type { EntitlementStatus } from "../../generated/prisma/enums.js";

/** The reason ENTITLEMENT_LAPSED gives (GraphQL extensions.reason) for an entitlement that licenses nothing. */
export type LapsedReason = "CANCELLED" | "EXPIRED";

interface CommonRule {
  /** ended for good, cancelledAt saying when: nothing revives it (an admin extension is refused, a same-second Stripe snapshot cannot undo it), a new grant is needed */
  terminal: boolean;
  /** a payment (invoice.paid newer than the last snapshot, extendEntitlement) makes it ACTIVE again */
  reinstatable: boolean;
  /** the audit action of a change into this status (Tenant.entitlementHistory) */
  auditAction: `entitlement.${string}`;
}

interface LicensingRule extends CommonRule {
  /** may license paid features: validUntil + grace decides until when (license-terms.ts) */
  licenses: true;
  /** payment overdue: licenses within its grace only, pastDueSince saying since when (the grace of an open-ended one runs from it) */
  inGrace: boolean;
  lapsedReason: null;
}

interface LapsedRule extends CommonRule {
  licenses: false;
  inGrace: false;
  /** what check-in and redemption report: no paid license */
  lapsedReason: LapsedReason;
}

export type EntitlementStateRule = LicensingRule | LapsedRule;

export const ENTITLEMENT_STATES = {
  ACTIVE: { licenses: true, inGrace: false, terminal: false, reinstatable: false, auditAction: "entitlement.reinstated", lapsedReason: null },
  PAST_DUE: { licenses: true, inGrace: true, terminal: false, reinstatable: true, auditAction: "entitlement.past_due", lapsedReason: null },
  CANCELLED: { licenses: false, inGrace: false, terminal: true, reinstatable: false, auditAction: "entitlement.cancelled", lapsedReason: "CANCELLED" },
  EXPIRED: { licenses: false, inGrace: false, terminal: false, reinstatable: true, auditAction: "entitlement.expired", lapsedReason: "EXPIRED" },
} as const satisfies Record<EntitlementStatus, EntitlementStateRule>;

type States = typeof ENTITLEMENT_STATES;

/** The rule of a status, typed as the union of rules (so `licenses` narrows `lapsedReason`). */
export const stateOf = (status: EntitlementStatus): EntitlementStateRule => ENTITLEMENT_STATES[status];

/** The statuses that may license (ACTIVE, PAST_DUE). */
export type LiveStatus = { [S in EntitlementStatus]: States[S]["licenses"] extends true ? S : never }[EntitlementStatus];

/** The audit actions a status change records. */
export type StatusAction = States[EntitlementStatus]["auditAction"];

export const isLiveStatus = (status: EntitlementStatus): status is LiveStatus => ENTITLEMENT_STATES[status].licenses;

/** An entitlement that may still license (time decides the rest). */
export const isLive = <E extends { status: EntitlementStatus }>(e: E | null): e is E & { status: LiveStatus } => e !== null && isLiveStatus(e.status);

/** Licensing and paid up (ACTIVE): the subscription's current period counts as paid, an admin may mark it past due. */
export const inGoodStanding = (status: EntitlementStatus): boolean => {
  const s = stateOf(status);
  return s.licenses && !s.inGrace;
};
