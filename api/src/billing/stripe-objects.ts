// What the webhook reads from Stripe's objects, in one normalised shape. Fields are read leniently:
// a webhook endpoint is pinned to the API version it was created with, and recent versions moved
// current_period_end to the subscription items and an invoice's subscription under parent. The
// objects' shapes are checked before this reads them (stripe-event-shape.ts).
import { isUuid } from "@alga-license/contract";
import { isSeatCount, MAX_SEATS } from "../domain/entitlements/seats.js";
import type { Edition, EntitlementStatus } from "../generated/prisma/enums.js";
import { MalformedStripeEvent, type StripeCheckoutSession, type StripeInvoice, type StripeItem, type StripeSubscription } from "./stripe-event-shape.js";

export type { StripeCheckoutSession, StripeInvoice, StripeSubscription };

type Id = string | { id: string } | null | undefined;

const idOf = (v: Id): string | null => (typeof v === "string" ? v : v && typeof v.id === "string" ? v.id : null);
const at = (seconds: unknown): Date | null => (typeof seconds === "number" && Number.isFinite(seconds) ? new Date(seconds * 1000) : null);
/** The store puts the registry tenant id in metadata.tenant_id (or the Checkout client_reference_id). */
export const tenantIdIn = (...candidates: unknown[]): string | null => {
  for (const c of candidates) if (typeof c === "string" && isUuid(c.trim())) return c.trim().toLowerCase();
  return null;
};

/** The billing facts an event carries about one subscription; null fields were not in the event. */
export interface SubscriptionFacts {
  subscriptionId: string;
  customerId: string | null;
  tenantId: string | null;
  priceId: string | null;
  /** the price's edition (STRIPE_PRICE_EDITIONS); null when the price is not mapped */
  edition: Edition | null;
  seats: number | null;
  periodEnd: Date | null;
  /** the entitlement status Stripe's subscription status means; null: nothing to license yet (incomplete) */
  status: EntitlementStatus | null;
  stripeStatus: string | null;
  endedAt: Date | null;
}

const itemPrice = (i: StripeItem) => idOf(i.price) ?? idOf(i.pricing?.price_details?.price) ?? idOf(i.plan);

/** The item that decides the edition: the first whose price is mapped, else the first. */
function licensingItem(items: StripeItem[], prices: Record<string, Edition>): StripeItem | undefined {
  return (
    items.find((i) => {
      const p = itemPrice(i);
      return p !== null && p in prices;
    }) ?? items[0]
  );
}

/**
 * Stripe's subscription status → the entitlement's: active/trialing license; past_due and unpaid
 * (retries exhausted, subscription kept) run on the grace period; canceled and incomplete_expired end
 * it; paused stops licensing until resumed; incomplete (first payment pending) licenses nothing yet.
 */
export function entitlementStatusFor(stripeStatus: string | null | undefined): EntitlementStatus | null {
  switch (stripeStatus) {
    case "active":
    case "trialing":
      return "ACTIVE";
    case "past_due":
    case "unpaid":
      return "PAST_DUE";
    case "canceled":
    case "incomplete_expired":
      return "CANCELLED";
    case "paused":
      return "EXPIRED";
    default:
      return null;
  }
}

/**
 * The licensing item's quantity as seats (null: none, or not a count). Beyond the seat maximum the
 * admin mutations keep to, the event is refused naming the field (seats is a 32-bit column too).
 */
function seatsOf(items: StripeItem[], item: StripeItem | undefined, list: string): number | null {
  if (!item || typeof item.quantity !== "number" || !Number.isInteger(item.quantity) || item.quantity < 1) return null;
  if (!isSeatCount(item.quantity)) {
    throw new MalformedStripeEvent(
      `${list}.${items.indexOf(item)}.quantity is ${item.quantity}, more than the ${MAX_SEATS} seats an entitlement can have: it is not applied.`,
    );
  }
  return item.quantity;
}
const maxDate = (dates: (Date | null)[]) => dates.reduce<Date | null>((m, d) => (d && (!m || d > m) ? d : m), null);

/** `where` names the object in messages: the event's data.object, or Stripe's answer when reconciling. */
export function subscriptionFacts(sub: StripeSubscription, prices: Record<string, Edition>, where = "data.object"): SubscriptionFacts {
  const items = sub.items?.data ?? [];
  const item = licensingItem(items, prices);
  const priceId = item ? itemPrice(item) : null;
  return {
    subscriptionId: sub.id,
    customerId: idOf(sub.customer),
    tenantId: tenantIdIn(sub.metadata?.tenant_id),
    priceId,
    edition: priceId ? (prices[priceId] ?? null) : null,
    seats: seatsOf(items, item, `${where}.items.data`),
    periodEnd: at(sub.current_period_end) ?? maxDate(items.map((i) => at(i.current_period_end))),
    status: entitlementStatusFor(sub.status),
    stripeStatus: sub.status ?? null,
    endedAt: at(sub.ended_at) ?? at(sub.canceled_at),
  };
}

/** A paid subscription invoice: its subscription, and the service period its lines pay for. Null: not a subscription's. */
export function invoiceFacts(inv: StripeInvoice, prices: Record<string, Edition>): SubscriptionFacts | null {
  const subscriptionId = idOf(inv.parent?.subscription_details?.subscription) ?? idOf(inv.subscription);
  if (!subscriptionId) return null;
  const all = inv.lines?.data ?? [];
  const lines = all.filter((l) => {
    const of = idOf(l.parent?.subscription_item_details?.subscription) ?? idOf(l.subscription);
    return of === null || of === subscriptionId;
  });
  const item = licensingItem(lines, prices);
  const priceId = item ? itemPrice(item) : null;
  return {
    subscriptionId,
    customerId: idOf(inv.customer),
    tenantId: tenantIdIn(inv.parent?.subscription_details?.metadata?.tenant_id, inv.subscription_details?.metadata?.tenant_id),
    priceId,
    edition: priceId ? (prices[priceId] ?? null) : null,
    seats: seatsOf(all, item, "data.object.lines.data"),
    periodEnd: maxDate(lines.map((l) => at(l.period?.end))),
    status: "ACTIVE",
    stripeStatus: null,
    endedAt: null,
  };
}

export interface CheckoutFacts {
  subscriptionId: string | null;
  customerId: string | null;
  tenantId: string | null;
  /** metadata.edition (PRO / PREMIUM), or the edition of metadata.price_id */
  edition: Edition | null;
}

export function checkoutFacts(session: StripeCheckoutSession, prices: Record<string, Edition>): CheckoutFacts {
  const named = session.metadata?.edition?.trim().toUpperCase();
  const price = session.metadata?.price_id?.trim();
  return {
    subscriptionId: idOf(session.subscription),
    customerId: idOf(session.customer),
    tenantId: tenantIdIn(session.metadata?.tenant_id, session.client_reference_id),
    edition: named === "PRO" || named === "PREMIUM" ? named : price ? (prices[price] ?? null) : null,
  };
}
