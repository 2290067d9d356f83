// How a Stripe subscription snapshot is ordered against what the registry holds. Stripe delivers
// events in no particular order, retries them for days and stamps them in whole seconds, so the
// registry's answer must not depend on the order they arrive in:
//   - a terminal snapshot (customer.subscription.deleted; status canceled or incomplete_expired) is
//     final — Stripe never revives such a subscription — so it applies whatever its time, and a
//     subscription with a tombstone never licenses again;
//   - a snapshot older than the last applied one (Entitlement.stripeUpdatedAt) is stale;
//   - one of the same second cannot be ordered: a cancellation recorded at that second wins; one that
//     changes nothing applies (the stamp); otherwise the last delivered wins;
//   - with STRIPE_API_KEY, an older or same-second snapshot that would change the entitlement is
//     reconciled instead: the subscription's current state is read from Stripe and applied.

export type Order = "newer" | "same-second" | "older";

/** Compared in whole seconds (Stripe's resolution); no stamp yet: newer. */
export function orderOf(snapshotTime: Date, stamp: Date | null): Order {
  if (!stamp) return "newer";
  const a = Math.floor(snapshotTime.getTime() / 1000);
  const b = Math.floor(stamp.getTime() / 1000);
  return a > b ? "newer" : a === b ? "same-second" : "older";
}

export interface Snapshot {
  /** Stripe ended the subscription for good */
  terminal: boolean;
  order: Order;
  /** applying it would change a licensing field of the entitlement */
  changes: boolean;
}

export interface Recorded {
  /** the subscription has a tombstone */
  tombstoned: boolean;
  /** the entitlement is CANCELLED */
  cancelled: boolean;
}

export type Decision = "apply" | "stale" | "reconcile";

export function decideSnapshot(s: Snapshot, r: Recorded, canReconcile: boolean): Decision {
  if (s.terminal) return "apply";
  if (r.tombstoned) return "stale";
  switch (s.order) {
    case "newer":
      return "apply";
    case "older":
      return s.changes && canReconcile ? "reconcile" : "stale";
    case "same-second":
      if (r.cancelled) return "stale";
      if (!s.changes) return "apply";
      return canReconcile ? "reconcile" : "apply";
  }
}

/**
 * The time a reconciled state is stamped with: the moment Stripe was asked (whole seconds), never
 * before the event or the stamp it is reconciled against — so a later event still applies, and an
 * older one is stale (and reconciled again if it would change something).
 */
export function reconciledStamp(readAt: Date, ...others: (Date | null)[]): Date {
  const seconds = Math.max(Math.floor(readAt.getTime() / 1000), ...others.filter((d): d is Date => d !== null).map((d) => Math.floor(d.getTime() / 1000)));
  return new Date(seconds * 1000);
}
