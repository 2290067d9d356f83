// The pure part of an entitlement change (apply-change.ts does the writes): what a patch changes,
// which audit action names it, whether seats must be enforced again, and when a new row is created.
import type { EntitlementPatch, EntitlementRow } from "../../data/entitlements.js";
import { ENTITLEMENT_STATES, type StatusAction } from "./states.js";

/** What support reads in the history: one action per change, the most telling kind first. */
export type EntitlementAction =
  | "entitlement.granted"
  | StatusAction
  | "entitlement.edition_changed"
  | "entitlement.seats_changed"
  | "entitlement.extended"
  | "entitlement.renewed"
  | "entitlement.updated";

const FIELDS = ["edition", "status", "validUntil", "pastDueSince", "cancelledAt", "seats", "stripePriceId", "stripeSubscriptionId"] as const;
type Field = (typeof FIELDS)[number];
export type Changes = Partial<Record<Field, { from: unknown; to: unknown }>>;

export const same = (a: unknown, b: unknown) => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b);
/** A value as the audit event records it. */
export const shown = (v: unknown) => (v instanceof Date ? v.toISOString() : v);

/** What a patch would change of what licenses (Stripe's ordering stamp is not part of it). */
export function changesOf(before: EntitlementRow, patch: EntitlementPatch): Changes {
  const changes: Changes = {};
  for (const f of FIELDS) {
    const to = patch[f];
    if (to !== undefined && !same(before[f], to)) changes[f] = { from: shown(before[f]), to: shown(to) };
  }
  return changes;
}

export type PatchPlan =
  /** nothing a license depends on: no revision bump, no audit event; only Stripe's stamp is kept when it moved */
  { kind: "unchanged"; stampOnly: boolean } | { kind: "change"; changes: Changes };

export function planPatch(before: EntitlementRow, patch: EntitlementPatch): PatchPlan {
  const changes = changesOf(before, patch);
  if (Object.keys(changes).length > 0) return { kind: "change", changes };
  return { kind: "unchanged", stampOnly: patch.stripeUpdatedAt !== undefined && !same(before.stripeUpdatedAt, patch.stripeUpdatedAt) };
}

export function actionFor(before: EntitlementRow | null, after: Pick<EntitlementRow, "status">, changes: Changes): EntitlementAction {
  if (!before) return "entitlement.granted";
  if (changes.status !== undefined) return ENTITLEMENT_STATES[after.status].auditAction;
  if (changes.edition !== undefined) return "entitlement.edition_changed";
  if (changes.seats !== undefined) return "entitlement.seats_changed";
  if (changes.validUntil !== undefined) return "entitlement.extended";
  return "entitlement.updated";
}

/** A new entitlement, fewer seats or another status: the licensed appliances are counted against the seats again. */
export function recountsSeats(before: EntitlementRow | null, after: Pick<EntitlementRow, "seats">, changes: Changes): boolean {
  return !before || (changes.seats !== undefined && after.seats < before.seats) || changes.status !== undefined;
}

/** A new row's created_at: the newest row is the current one, so it never ties with an older row (a frozen or coarse clock). */
export function creationTime(newest: Pick<EntitlementRow, "createdAt"> | null, now: Date): Date {
  return newest && newest.createdAt >= now ? new Date(newest.createdAt.getTime() + 1) : now;
}
