// Subscriptions Stripe ended — remembered at their terminal event, and what an event that would
// license one gets when Stripe delivers it later (its checkout, an older .created, an invoice). The
// registry ends where Stripe's own order would have led: the subscription is recorded, cancelled as of
// its end, and licenses nothing.
import { insertAudit } from "../data/audit.js";
import type { EntitlementRow } from "../data/entitlements.js";
import type { TenantRow } from "../data/tenants.js";
import type { Queryable } from "../db/sql.js";
import { applyEntitlementChange } from "../domain/entitlements/apply-change.js";
import { isLive } from "../domain/entitlements/states.js";
import type { Actor } from "../domain/principal.js";
import type { Edition } from "../generated/prisma/enums.js";
import type { SubscriptionFacts } from "./stripe-objects.js";
import { recordTombstone, type Tombstone } from "./stripe-subscriptions.js";

/** The audit action of an end the registry has no entitlement to show yet (it is in Tenant.entitlementHistory). */
export const SUBSCRIPTION_ENDED = "entitlement.subscription_ended";

/**
 * Records the subscription's tombstone. While no entitlement shows the subscription the end is audited
 * on its own (with the tenant when the event names one, else without), so support can tell why a later
 * checkout licensed nothing.
 */
export async function rememberEnd(
  tx: Queryable,
  actor: Actor,
  o: { facts: SubscriptionFacts; tenantId: string | null; known: boolean; event: { id: string }; endedAt: Date; details: Record<string, unknown>; now: Date },
): Promise<Tombstone> {
  const { tombstone, created } = await recordTombstone(tx, {
    subscriptionId: o.facts.subscriptionId,
    endedAt: o.endedAt,
    stripeEventId: o.event.id,
    customerId: o.facts.customerId,
    now: o.now,
  });
  if (created && !o.known) {
    await insertAudit(
      tx,
      actor,
      SUBSCRIPTION_ENDED,
      o.tenantId,
      {
        ...o.details,
        subscriptionId: o.facts.subscriptionId,
        stripeCustomerId: o.facts.customerId,
        stripeStatus: o.facts.stripeStatus,
        endedAt: tombstone.endedAt.toISOString(),
      },
      o.now,
    );
  }
  return tombstone;
}

export interface EndedSubscription {
  tenant: TenantRow;
  /** the tenant's current entitlement */
  current: EntitlementRow | null;
  subscription: { subscriptionId: string; edition: Edition | null; priceId: string | null; seats: number | null; validUntil: Date | null };
  tombstone: Tombstone;
  details: Record<string, unknown>;
  now: Date;
}

/**
 * An event that would attach or create a live entitlement for a subscription with a tombstone:
 *   - a paid registration waiting for its checkout (live, no subscription, created before the end)
 *     gets the subscription attached and is cancelled as of the end — as checkout then deletion would;
 *   - a tenant with no live entitlement gets the subscription's entitlement, born CANCELLED;
 *   - a live entitlement of another subscription, or granted after the end, is left alone.
 * False when nothing was written.
 */
export async function licenseNothing(tx: Queryable, actor: Actor, o: EndedSubscription): Promise<boolean> {
  const { tenant, current, subscription: f, tombstone } = o;
  const ended = { status: "CANCELLED" as const, cancelledAt: tombstone.endedAt, stripeUpdatedAt: tombstone.endedAt };
  const details = { ...o.details, subscriptionEndedAt: tombstone.endedAt.toISOString(), endedByStripeEvent: tombstone.stripeEventId };
  if (isLive(current) && !current.stripeSubscriptionId && current.createdAt <= tombstone.endedAt) {
    await applyEntitlementChange(tx, actor, {
      tenant,
      entitlement: current,
      patch: {
        ...ended,
        pastDueSince: null,
        stripeSubscriptionId: f.subscriptionId,
        edition: f.edition ?? undefined,
        stripePriceId: f.priceId ?? undefined,
        seats: f.seats ?? undefined,
      },
      details: { ...details, attachedSubscription: f.subscriptionId },
      now: o.now,
    });
    return true;
  }
  if (isLive(current) || !f.edition) return false;
  await applyEntitlementChange(tx, actor, {
    tenant,
    entitlement: null,
    patch: {},
    create: {
      tenantId: tenant.id,
      edition: f.edition,
      ...ended,
      stripeSubscriptionId: f.subscriptionId,
      stripePriceId: f.priceId,
      validUntil: f.validUntil,
      seats: f.seats ?? 1,
      now: o.now,
    },
    details,
    now: o.now,
    action: "entitlement.cancelled",
  });
  return true;
}
