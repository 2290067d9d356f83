// A registration or an admin grant that names a Stripe subscription must not attach it once Stripe has
// ended it (its tombstone, api/src/billing/stripe-subscriptions.ts): no event will ever end such an
// entitlement again, so it would license forever.
import { findTombstone, lockSubscription } from "../../billing/stripe-subscriptions.js";
import type { Queryable } from "../../db/sql.js";
import { DomainError } from "../errors.js";

/**
 * Takes the subscription's lock first (the order Stripe's events take it: before any tenant's row), so
 * a deletion delivered meanwhile is decided before or after this change, never beside it.
 */
export async function refuseEndedSubscription(q: Queryable, subscriptionId: string): Promise<void> {
  await lockSubscription(q, subscriptionId);
  const tombstone = await findTombstone(q, subscriptionId);
  if (!tombstone) return;
  throw new DomainError("BAD_USER_INPUT", `Stripe ended subscription ${subscriptionId} at ${tombstone.endedAt.toISOString()}: it cannot license again.`, {
    field: "stripeSubscriptionId",
    reason: "SUBSCRIPTION_ENDED",
    stripeEventId: tombstone.stripeEventId,
  });
}
