// The shape a verified Stripe event must have before it is applied. A correctly signed body can still
// be malformed (a hand-made test event, a bug on either side): such an event is refused with 400
// MALFORMED_EVENT and nothing is written — not 500, which Stripe would retry for days, and not
// BAD_SIGNATURE, which would be untrue. Only the fields this service reads are checked, each as
// Stripe documents it (absent and null allowed wherever the reading code tolerates them).
import { z } from "zod";
import { LATEST_DATE_TIME_MS } from "../domain/license-terms.js";

/** A signed event this service cannot apply; retrying it cannot help. */
export class MalformedStripeEvent extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedStripeEvent";
  }
}

/** Stripe timestamps: whole seconds since the epoch, within what a DateTime can show. */
const Seconds = z
  .int()
  .min(0)
  .max(Math.floor(LATEST_DATE_TIME_MS / 1000));
/** An id, or the expanded object carrying it. */
const Id = z.union([z.string(), z.looseObject({ id: z.string() })]).nullish();
const Metadata = z.record(z.string(), z.string()).nullish();

const Item = z.looseObject({
  price: Id,
  plan: Id,
  pricing: z.looseObject({ price_details: z.looseObject({ price: Id }).nullish() }).nullish(),
  quantity: z.number().nullish(),
  current_period_end: Seconds.nullish(),
  period: z.looseObject({ end: Seconds.nullish() }).nullish(),
  /** invoice lines of other subscriptions (an invoice may mix) */
  subscription: Id,
  parent: z.looseObject({ subscription_item_details: z.looseObject({ subscription: Id }).nullish() }).nullish(),
});
const Items = z.looseObject({ data: z.array(Item).nullish() }).nullish();

export const StripeSubscription = z.looseObject({
  id: z.string().min(1),
  customer: Id,
  status: z.string().nullish(),
  metadata: Metadata,
  current_period_end: Seconds.nullish(),
  canceled_at: Seconds.nullish(),
  ended_at: Seconds.nullish(),
  items: Items,
});

export const StripeInvoice = z.looseObject({
  id: z.string().nullish(),
  customer: Id,
  subscription: Id,
  subscription_details: z.looseObject({ metadata: Metadata }).nullish(),
  parent: z.looseObject({ subscription_details: z.looseObject({ subscription: Id, metadata: Metadata }).nullish() }).nullish(),
  lines: Items,
});

export const StripeCheckoutSession = z.looseObject({
  id: z.string().nullish(),
  mode: z.string().nullish(),
  status: z.string().nullish(),
  customer: Id,
  subscription: Id,
  client_reference_id: z.string().nullish(),
  metadata: Metadata,
});

export type StripeItem = z.infer<typeof Item>;
export type StripeSubscription = z.infer<typeof StripeSubscription>;
export type StripeInvoice = z.infer<typeof StripeInvoice>;
export type StripeCheckoutSession = z.infer<typeof StripeCheckoutSession>;

const Envelope = z.looseObject({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  created: Seconds,
  data: z.looseObject({ object: z.looseObject({}) }),
});

/** The object schema of each event type this service applies (others are acknowledged and ignored). */
const OBJECT_OF: Record<string, z.ZodType> = {
  "checkout.session.completed": StripeCheckoutSession,
  "customer.subscription.created": StripeSubscription,
  "customer.subscription.updated": StripeSubscription,
  "customer.subscription.paused": StripeSubscription,
  "customer.subscription.resumed": StripeSubscription,
  "customer.subscription.deleted": StripeSubscription,
  "invoice.paid": StripeInvoice,
};

export type StripeEventEnvelope = z.infer<typeof Envelope>;

const describe = (issues: z.core.$ZodIssue[], prefix: (string | number)[] = []) =>
  issues
    .slice(0, 5)
    .map((i) => `${[...prefix, ...i.path].map(String).join(".") || "the event"}: ${i.message}`)
    .join("; ");

/** The event, checked; throws MalformedStripeEvent naming what is wrong. */
export function parseStripeEvent(raw: unknown): StripeEventEnvelope {
  const envelope = Envelope.safeParse(raw);
  if (!envelope.success) throw new MalformedStripeEvent(`The event is not a well-formed Stripe event (${describe(envelope.error.issues)}).`);
  const schema = OBJECT_OF[envelope.data.type];
  const object = schema?.safeParse(envelope.data.data.object);
  if (object && !object.success) {
    throw new MalformedStripeEvent(`The ${envelope.data.type} event's object is malformed (${describe(object.error.issues, ["data", "object"])}).`);
  }
  return envelope.data;
}
