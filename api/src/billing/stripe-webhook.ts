// Applies one verified Stripe event to the registry, exactly once: the event id is claimed in the
// transaction of its effect (stripe_event), the subscription and then the tenant are locked, and the
// entitlement changes through the same path as an admin's change (revision, edition, audit). Delivery
// order does not matter:
//   - subscription events are snapshots, ordered by delivery-order.ts: an older one is stale, a
//     terminal one (deleted, canceled) is final and leaves a tombstone, even for a subscription the
//     registry does not know yet (stripe-subscriptions.ts) — an event that would license a subscription
//     with a tombstone gets what Stripe's own order would have led to (ended-subscriptions.ts);
//   - with STRIPE_API_KEY, a snapshot whose order the timestamps cannot settle is reconciled: the
//     transaction is rolled back, the subscription is read from Stripe with no lock held
//     (stripe-api.ts), and the event is processed again with Stripe's current state;
//   - validUntil means "paid through": it only moves forward, from invoice.paid (the paid period) and
//     from active subscriptions (the current period); a past_due subscription keeps the paid period,
//     so the grace period runs from the end of what was paid;
//   - a payment newer than the last snapshot reinstates a PAST_DUE entitlement.
// Events are mapped to a tenant by subscription id (an entitlement), then metadata.tenant_id (or a
// Checkout client_reference_id), then the tenant's stripe_customer_id; none → recorded as unmatched.
import type { Logger } from "pino";
import { currentEntitlement, findEntitlementBySubscription, type EntitlementPatch, type EntitlementRow } from "../data/entitlements.js";
import { findTenant, findTenantByStripeCustomer, lockTenant, setStripeCustomer, type TenantRow } from "../data/tenants.js";
import { transaction, type Queryable } from "../db/sql.js";
import { applyEntitlementChange, supersedeOthers } from "../domain/entitlements/apply-change.js";
import { changesOf, type EntitlementAction } from "../domain/entitlements/change-decision.js";
import { ENTITLEMENT_STATES, inGoodStanding, isLive, isLiveStatus, type LiveStatus } from "../domain/entitlements/states.js";
import { listEntitlements } from "../data/entitlements.js";
import { latestValidUntil, MAX_VALID_UNTIL_YEARS } from "../domain/license-terms.js";
import { systemActor, type Actor } from "../domain/principal.js";
import type { Services } from "../domain/services.js";
import type { Edition } from "../generated/prisma/enums.js";
import { decideSnapshot, orderOf, reconciledStamp } from "./delivery-order.js";
import { licenseNothing, rememberEnd } from "./ended-subscriptions.js";
import type { SubscriptionReader } from "./stripe-api.js";
import { MalformedStripeEvent } from "./stripe-event-shape.js";
import { claimStripeEvent, findStripeEvent, recordStripeOutcome, type StripeOutcome } from "./stripe-events.js";
import { findTombstone, lockSubscription, type Tombstone } from "./stripe-subscriptions.js";
import {
  checkoutFacts,
  invoiceFacts,
  subscriptionFacts,
  type StripeCheckoutSession,
  type StripeInvoice,
  type StripeSubscription,
  type SubscriptionFacts,
} from "./stripe-objects.js";

/** The parts of a verified Stripe event this reads. */
export interface StripeEventLike {
  id: string;
  type: string;
  /** seconds since the epoch: Stripe's time of the event */
  created: number;
  data: { object: unknown };
}

export interface StripeResult {
  outcome: StripeOutcome | "duplicate";
  tenantId: string | null;
}

/** Stripe's answer, for the second pass of an event that needed it. */
interface Reconciliation {
  /** null: Stripe has no such subscription (404): the event's own timestamp decides */
  subscription: StripeSubscription | null;
  readAt: Date;
  /** the time Stripe's state is applied as (delivery-order.ts reconciledStamp) */
  stamp: Date;
}

interface Ctx {
  tx: Queryable;
  actor: Actor;
  event: StripeEventLike;
  /** the snapshot's time: the event's, or the reconciled stamp */
  eventTime: Date;
  now: Date;
  prices: Record<string, Edition>;
  log: Logger;
  details: Record<string, unknown>;
  /** a conflicting snapshot may ask Stripe (STRIPE_API_KEY set, and not asked yet) */
  canReconcile: boolean;
  reconciliation?: Reconciliation;
}

/** Thrown inside the transaction (which rolls back, claim included) when a snapshot needs Stripe's current state. */
class NeedsStripeState extends Error {
  constructor(
    readonly subscriptionId: string,
    /** the stamp the snapshot conflicted with */
    readonly stamp: Date | null,
  ) {
    super(`subscription ${subscriptionId} needs its current state from Stripe`);
  }
}

export const HANDLED_EVENT_TYPES = [
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.paused",
  "customer.subscription.resumed",
  "customer.subscription.deleted",
  "invoice.paid",
] as const;

export interface ProcessOptions {
  prices: Record<string, Edition>;
  requestId: string;
  log: Logger;
  /** Stripe's API (STRIPE_API_KEY): unset, the timestamps alone order the snapshots */
  reader?: SubscriptionReader;
}

/** Throws StripeUnavailable (nothing written: Stripe retries) when an event needs Stripe's state and Stripe does not answer. */
export async function processStripeEvent(s: Services, o: ProcessOptions, event: StripeEventLike): Promise<StripeResult> {
  const first = await attempt(s, o, event);
  if (!(first instanceof NeedsStripeState)) return first;
  const readAt = s.clock();
  const subscription = await o.reader!.retrieve(first.subscriptionId);
  if (!subscription) {
    o.log.warn({ stripeEventId: event.id, subscription: first.subscriptionId }, "Stripe has no such subscription (404): the event's timestamp decides");
  }
  const second = await attempt(s, o, event, { subscription, readAt, stamp: reconciledStamp(readAt, first.stamp, new Date(event.created * 1000)) });
  if (second instanceof NeedsStripeState) throw new Error("a reconciled Stripe event asked for Stripe's state again");
  return second;
}

async function attempt(s: Services, o: ProcessOptions, event: StripeEventLike, reconciliation?: Reconciliation): Promise<StripeResult | NeedsStripeState> {
  const eventTime = new Date(event.created * 1000);
  try {
    return await transaction(s.db, async (tx) => {
      const now = s.clock();
      if (!(await claimStripeEvent(tx, { id: event.id, type: event.type, createdAt: eventTime, now }))) {
        return { outcome: "duplicate", tenantId: (await findStripeEvent(tx, event.id))?.tenantId ?? null };
      }
      const ctx: Ctx = {
        tx,
        actor: systemActor("stripe", o.requestId),
        event,
        eventTime,
        now,
        prices: o.prices,
        log: o.log,
        details: { source: "stripe", stripeEventId: event.id, stripeEventType: event.type },
        canReconcile: o.reader !== undefined && reconciliation === undefined,
        reconciliation,
      };
      const r = await dispatch(ctx);
      await recordStripeOutcome(tx, event.id, r.outcome as StripeOutcome, r.tenantId);
      return r;
    });
  } catch (err) {
    if (err instanceof NeedsStripeState) return err;
    throw err;
  }
}

async function dispatch(c: Ctx): Promise<StripeResult> {
  const object = c.event.data.object;
  switch (c.event.type) {
    case "checkout.session.completed":
      return onCheckout(c, object as StripeCheckoutSession);
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.paused":
    case "customer.subscription.resumed": {
      const stripe = c.reconciliation;
      if (stripe?.subscription) {
        // Stripe's current state replaces the event's snapshot, as of the moment it was read
        const facts = bounded(c, subscriptionFacts(stripe.subscription, c.prices, "Stripe's answer"));
        const details = { ...c.details, reconciledFromStripe: { readAt: stripe.readAt.toISOString(), stripeStatus: stripe.subscription.status ?? null } };
        return onSubscription({ ...c, eventTime: stripe.stamp, details }, facts);
      }
      const details = stripe ? { ...c.details, reconciledFromStripe: { readAt: stripe.readAt.toISOString(), found: false } } : c.details;
      return onSubscription({ ...c, details }, bounded(c, subscriptionFacts(object as StripeSubscription, c.prices)));
    }
    case "customer.subscription.deleted":
      return onSubscription(c, { ...bounded(c, subscriptionFacts(object as StripeSubscription, c.prices)), status: "CANCELLED" });
    case "invoice.paid": {
      const facts = bounded(c, invoiceFacts(object as StripeInvoice, c.prices));
      return facts ? onInvoicePaid(c, facts) : { outcome: "ignored", tenantId: null };
    }
    default:
      return { outcome: "ignored", tenantId: null };
  }
}

/** A period end becomes validUntil: one beyond the bound admins have too is refused (the transaction rolls back). */
function bounded<F extends SubscriptionFacts | null>(c: Ctx, f: F): F {
  if (f?.periodEnd && f.periodEnd > latestValidUntil(c.now)) {
    throw new MalformedStripeEvent(`The event's period ends ${f.periodEnd.toISOString()}, more than ${MAX_VALID_UNTIL_YEARS} years ahead: it is not applied.`);
  }
  return f;
}

/** The tenant an event is about, locked, with the subscription's entitlement read under the lock. */
async function target(
  c: Ctx,
  f: { subscriptionId: string | null; tenantId: string | null; customerId: string | null },
): Promise<{ tenant: TenantRow; entitlement: EntitlementRow | null } | null> {
  if (f.subscriptionId) await lockSubscription(c.tx, f.subscriptionId);
  const bySubscription = f.subscriptionId ? await findEntitlementBySubscription(c.tx, f.subscriptionId) : null;
  const tenantId =
    bySubscription?.tenantId ??
    (f.tenantId ? (await findTenant(c.tx, f.tenantId))?.id : undefined) ??
    (f.customerId ? (await findTenantByStripeCustomer(c.tx, f.customerId))?.id : undefined);
  if (!tenantId) {
    c.log.warn(
      { stripeEventId: c.event.id, type: c.event.type, customer: f.customerId, subscription: f.subscriptionId },
      "Stripe event matches no tenant: recorded as unmatched",
    );
    return null;
  }
  if (bySubscription && f.tenantId && f.tenantId !== bySubscription.tenantId) {
    c.log.warn(
      { stripeEventId: c.event.id, metadataTenant: f.tenantId, tenant: bySubscription.tenantId },
      "Stripe metadata names another tenant than the subscription's entitlement: the subscription wins",
    );
  }
  const tenant = await lockTenant(c.tx, tenantId);
  if (!tenant) return null;
  const entitlement = f.subscriptionId ? await findEntitlementBySubscription(c.tx, f.subscriptionId) : null;
  return { tenant, entitlement };
}

/** The first customer seen for a tenant is kept (Checkout's is authoritative and may replace it). */
async function linkCustomer(c: Ctx, tenant: TenantRow, customerId: string | null, replace: boolean): Promise<boolean> {
  if (!customerId || tenant.stripeCustomerId === customerId || (tenant.stripeCustomerId && !replace)) return false;
  await setStripeCustomer(c.tx, tenant.id, customerId, c.now);
  return true;
}

function unmappedPrice(c: Ctx, f: SubscriptionFacts) {
  c.log.warn(
    { stripeEventId: c.event.id, price: f.priceId, subscription: f.subscriptionId },
    "Stripe price is not in STRIPE_PRICE_EDITIONS: the edition is left as it is (add the price to STRIPE_PRICE_EDITIONS)",
  );
}

/**
 * A subscription the registry does not know yet: attached to the tenant's current live entitlement
 * when that has no subscription (a paid registration before checkout), else a new entitlement that
 * supersedes any other live one. One Stripe already ended (a tombstone) licenses nothing.
 */
async function attachOrCreate(
  c: Ctx,
  tenant: TenantRow,
  f: {
    subscriptionId: string;
    edition: Edition | null;
    priceId: string | null;
    seats: number | null;
    validUntil: Date | null;
    status: LiveStatus;
    stamp: Date | null;
  },
  extra: Record<string, unknown>,
  tombstone: Tombstone | null,
): Promise<StripeResult> {
  const current = await currentEntitlement(c.tx, tenant.id);
  const details = { ...c.details, ...extra };
  if (tombstone) {
    const written = await licenseNothing(c.tx, c.actor, { tenant, current, subscription: f, tombstone, details, now: c.now });
    if (!written)
      c.log.info(
        { stripeEventId: c.event.id, subscription: f.subscriptionId, tenantId: tenant.id },
        "Stripe had already ended this subscription: the event licenses nothing",
      );
    return { outcome: written ? "applied" : "stale", tenantId: tenant.id };
  }
  if (isLive(current) && !current.stripeSubscriptionId) {
    await applyEntitlementChange(c.tx, c.actor, {
      tenant,
      entitlement: current,
      patch: {
        stripeSubscriptionId: f.subscriptionId,
        edition: f.edition ?? undefined,
        stripePriceId: f.priceId ?? undefined,
        seats: f.seats ?? undefined,
        validUntil: f.validUntil ?? undefined,
        status: f.status,
        pastDueSince: ENTITLEMENT_STATES[f.status].inGrace ? (current.pastDueSince ?? c.eventTime) : null,
        stripeUpdatedAt: f.stamp ?? undefined,
      },
      details: { ...details, attachedSubscription: f.subscriptionId },
      now: c.now,
    });
    return { outcome: "applied", tenantId: tenant.id };
  }
  if (!f.edition) return { outcome: "ignored", tenantId: tenant.id };
  const created = await applyEntitlementChange(c.tx, c.actor, {
    tenant,
    entitlement: null,
    patch: {},
    create: {
      tenantId: tenant.id,
      edition: f.edition,
      status: f.status,
      stripeSubscriptionId: f.subscriptionId,
      stripePriceId: f.priceId,
      validUntil: f.validUntil,
      seats: f.seats ?? 1,
      stripeUpdatedAt: f.stamp,
      now: c.now,
    },
    details,
    now: c.now,
  });
  if (ENTITLEMENT_STATES[f.status].inGrace) {
    // born overdue (e.g. its first events arrived late): the grace period runs from now on
    await applyEntitlementChange(c.tx, c.actor, { tenant, entitlement: created.entitlement, patch: { pastDueSince: c.eventTime }, details, now: c.now });
  }
  await supersedeOthers(c.tx, c.actor, tenant, created.entitlement.id, await listEntitlements(c.tx, tenant.id), details, c.now);
  return { outcome: "applied", tenantId: tenant.id };
}

/** checkout.session.completed: binds the customer (and the subscription) to the tenant named in the session. */
async function onCheckout(c: Ctx, session: StripeCheckoutSession): Promise<StripeResult> {
  if (session.mode !== "subscription") return { outcome: "ignored", tenantId: null };
  const f = checkoutFacts(session, c.prices);
  const t = await target(c, f);
  if (!t) return { outcome: "unmatched", tenantId: null };
  const linked = await linkCustomer(c, t.tenant, f.customerId, true);
  if (t.entitlement || !f.subscriptionId) {
    // the subscription's own events already created it (or there is none): the customer link is all
    return { outcome: linked ? "applied" : "ignored", tenantId: t.tenant.id };
  }
  // The period is not in a Checkout Session: the subscription's events set validUntil (open-ended until then).
  const r = await attachOrCreate(
    c,
    t.tenant,
    {
      subscriptionId: f.subscriptionId,
      edition: f.edition ?? (t.tenant.edition !== "ESSENTIALS" ? t.tenant.edition : null),
      priceId: null,
      seats: null,
      validUntil: null,
      status: "ACTIVE",
      stamp: null,
    },
    { stripeCustomerId: f.customerId },
    await findTombstone(c.tx, f.subscriptionId),
  );
  if (r.outcome === "ignored") {
    c.log.info({ stripeEventId: c.event.id, tenantId: t.tenant.id }, "checkout names no edition: the subscription's events create the entitlement");
  }
  return r.outcome === "applied" || !linked ? r : { outcome: "applied", tenantId: t.tenant.id };
}

/** customer.subscription.*: Stripe's snapshot of the subscription (price → edition, quantity → seats, status). */
async function onSubscription(c: Ctx, f: SubscriptionFacts): Promise<StripeResult> {
  const t = await target(c, f);
  // canceled / incomplete_expired / deleted: final, remembered whether or not a tenant is known
  const terminal = f.status !== null && ENTITLEMENT_STATES[f.status].terminal;
  const tombstone = terminal
    ? await rememberEnd(c.tx, c.actor, {
        facts: f,
        tenantId: t?.tenant.id ?? null,
        known: t?.entitlement != null,
        event: c.event,
        endedAt: c.eventTime,
        details: c.details,
        now: c.now,
      })
    : await findTombstone(c.tx, f.subscriptionId);
  if (!t) return { outcome: "unmatched", tenantId: null };
  const { tenant, entitlement: e } = t;
  await linkCustomer(c, tenant, f.customerId, false);
  const details = { ...c.details, ...(f.stripeStatus ? { stripeStatus: f.stripeStatus } : {}) };
  const paidThrough = f.status && inGoodStanding(f.status) ? f.periodEnd : null;

  if (!e) {
    if (f.priceId && !f.edition) unmappedPrice(c, f);
    // an ended subscription enters the registry only with an event that would license it (its checkout…)
    if (terminal) return { outcome: "applied", tenantId: tenant.id };
    if (!f.status || !isLiveStatus(f.status)) return { outcome: "ignored", tenantId: tenant.id };
    return attachOrCreate(c, tenant, { ...f, validUntil: paidThrough, status: f.status, stamp: c.eventTime }, { stripeStatus: f.stripeStatus }, tombstone);
  }
  // never move the stamp back (a final deletion may be older than the last snapshot)
  const stamp = e.stripeUpdatedAt && e.stripeUpdatedAt > c.eventTime ? e.stripeUpdatedAt : c.eventTime;
  // incomplete (no status): nothing to license from yet, nothing to take away either
  const patch: EntitlementPatch = !f.status
    ? { stripeUpdatedAt: stamp }
    : {
        status: f.status,
        edition: f.edition ?? undefined,
        stripePriceId: f.priceId ?? undefined,
        seats: f.seats ?? undefined,
        validUntil: paidThrough && (!e.validUntil || paidThrough > e.validUntil) ? paidThrough : undefined,
        pastDueSince: ENTITLEMENT_STATES[f.status].inGrace ? (e.pastDueSince ?? c.eventTime) : null,
        cancelledAt: ENTITLEMENT_STATES[f.status].terminal ? (e.cancelledAt ?? f.endedAt ?? c.eventTime) : null,
        stripeUpdatedAt: stamp,
      };
  const decision = decideSnapshot(
    { terminal, order: orderOf(c.eventTime, e.stripeUpdatedAt), changes: Object.keys(changesOf(e, patch)).length > 0 },
    { tombstoned: tombstone !== null, cancelled: ENTITLEMENT_STATES[e.status].terminal },
    c.canReconcile,
  );
  if (decision === "reconcile") throw new NeedsStripeState(f.subscriptionId, e.stripeUpdatedAt);
  if (decision === "stale") return { outcome: "stale", tenantId: tenant.id };
  if (f.priceId && !f.edition) unmappedPrice(c, f);
  await applyEntitlementChange(c.tx, c.actor, { tenant, entitlement: e, patch, details, now: c.now });
  return { outcome: f.status ? "applied" : "ignored", tenantId: tenant.id };
}

/** invoice.paid: a paid period extends validUntil; a payment newer than the last snapshot ends PAST_DUE. */
async function onInvoicePaid(c: Ctx, f: SubscriptionFacts): Promise<StripeResult> {
  const t = await target(c, f);
  if (!t) return { outcome: "unmatched", tenantId: null };
  const { tenant, entitlement: e } = t;
  await linkCustomer(c, tenant, f.customerId, false);
  const tombstone = await findTombstone(c.tx, f.subscriptionId);
  if (!e) {
    if (f.priceId && !f.edition) unmappedPrice(c, f);
    return attachOrCreate(c, tenant, { ...f, validUntil: f.periodEnd, status: "ACTIVE", stamp: null }, {}, tombstone);
  }
  // an ended subscription's invoices (a final proration…) change nothing
  if (tombstone) return { outcome: "stale", tenantId: tenant.id };
  const newer = !e.stripeUpdatedAt || c.eventTime >= e.stripeUpdatedAt;
  const reinstate = newer && ENTITLEMENT_STATES[e.status].reinstatable;
  const extends_ = f.periodEnd !== null && (!e.validUntil || f.periodEnd > e.validUntil);
  if (!reinstate && !extends_) return { outcome: "stale", tenantId: tenant.id };
  const action: EntitlementAction | undefined = reinstate ? undefined : "entitlement.renewed";
  await applyEntitlementChange(c.tx, c.actor, {
    tenant,
    entitlement: e,
    patch: { validUntil: extends_ ? f.periodEnd! : undefined, ...(reinstate ? { status: "ACTIVE" as const, pastDueSince: null } : {}) },
    details: { ...c.details, paidThrough: f.periodEnd?.toISOString() ?? null },
    now: c.now,
    action,
  });
  return { outcome: "applied", tenantId: tenant.id };
}
