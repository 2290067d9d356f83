// Stripe webhook events as Stripe sends them: JSON signed with the official package's test-header
// helper (the same HMAC scheme as live webhooks), posted to the running API.
import { randomUUID } from "node:crypto";
import Stripe from "stripe";

export const WEBHOOK_SECRET = "whsec_test_alga_license_0123456789";
export const PRICES = { pro: "price_pro_monthly", premium: "price_premium_monthly", other: "price_unmapped_addon" };
export const STRIPE_ENV = { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_PRICE_EDITIONS: `${PRICES.pro}=PRO,${PRICES.premium}=PREMIUM` };

const stripe = new Stripe("sk_test_unused_offline");
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

export interface StripeEvent {
  id: string;
  type: string;
  created: number;
  payload: string;
}

export function stripeEvent(type: string, object: Record<string, unknown>, at: Date, id = `evt_${randomUUID().replace(/-/g, "")}`): StripeEvent {
  const payload = JSON.stringify({
    id,
    object: "event",
    api_version: "2026-10-28.endive",
    type,
    created: seconds(at),
    livemode: false,
    pending_webhooks: 1,
    data: { object },
  });
  return { id, type, created: seconds(at), payload };
}

export async function deliver(url: string, e: StripeEvent, opts: { secret?: string; signature?: string | null } = {}) {
  const signature =
    opts.signature === undefined ? stripe.webhooks.generateTestHeaderString({ payload: e.payload, secret: opts.secret ?? WEBHOOK_SECRET }) : opts.signature;
  const res = await fetch(`${url}/webhooks/stripe`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(signature !== null ? { "stripe-signature": signature } : {}) },
    body: e.payload,
  });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

export interface SubscriptionShape {
  id: string;
  customer: string;
  status: string;
  price: string;
  quantity?: number;
  periodEnd: Date;
  tenantId?: string;
  canceledAt?: Date;
}

/** A subscription object in the current API shape (period on the items). */
export function subscription(s: SubscriptionShape): Record<string, unknown> {
  return {
    id: s.id,
    object: "subscription",
    customer: s.customer,
    status: s.status,
    metadata: s.tenantId ? { tenant_id: s.tenantId } : {},
    canceled_at: s.canceledAt ? seconds(s.canceledAt) : null,
    ended_at: s.status === "canceled" && s.canceledAt ? seconds(s.canceledAt) : null,
    items: {
      object: "list",
      data: [
        {
          id: `si_${s.id}`,
          object: "subscription_item",
          price: { id: s.price, object: "price" },
          quantity: s.quantity ?? 1,
          current_period_end: seconds(s.periodEnd),
        },
      ],
    },
  };
}

/** A paid invoice of a subscription for the period ending at periodEnd (current API shape: parent.subscription_details). */
export function invoice(i: { subscription: string; customer: string; price: string; periodEnd: Date; tenantId?: string }): Record<string, unknown> {
  return {
    id: `in_${randomUUID().slice(0, 8)}`,
    object: "invoice",
    customer: i.customer,
    status: "paid",
    parent: { type: "subscription_details", subscription_details: { subscription: i.subscription, metadata: i.tenantId ? { tenant_id: i.tenantId } : {} } },
    lines: {
      object: "list",
      data: [
        {
          id: "il_1",
          object: "line_item",
          pricing: { price_details: { price: i.price } },
          quantity: 1,
          period: { start: seconds(i.periodEnd) - 30 * 86400, end: seconds(i.periodEnd) },
        },
      ],
    },
  };
}

export function checkoutSession(c: {
  tenantId?: string;
  clientReferenceId?: string;
  customer: string;
  subscription: string;
  edition?: string;
}): Record<string, unknown> {
  return {
    id: `cs_${randomUUID().slice(0, 8)}`,
    object: "checkout.session",
    mode: "subscription",
    status: "complete",
    payment_status: "paid",
    customer: c.customer,
    subscription: c.subscription,
    client_reference_id: c.clientReferenceId ?? null,
    metadata: { ...(c.tenantId ? { tenant_id: c.tenantId } : {}), ...(c.edition ? { edition: c.edition } : {}) },
  };
}
