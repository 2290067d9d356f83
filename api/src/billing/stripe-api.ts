// Reads a subscription's current state from Stripe (GET /v1/subscriptions/{id}) with the official
// `stripe` package, to settle an event whose order the timestamps cannot (delivery-order.ts). Set up
// by STRIPE_API_KEY (unset: nothing is read, the timestamps decide), STRIPE_API_URL (Stripe's API
// origin, or another one speaking it) and STRIPE_API_TIMEOUT_MS.
import type Stripe from "stripe";
import { loadStripe } from "../lazy-import.js";
import { StripeSubscription } from "./stripe-event-shape.js";

/** Stripe could not be asked or gave no usable answer: the event is answered 503 and Stripe retries it. */
export class StripeUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StripeUnavailable";
  }
}

export interface SubscriptionReader {
  /** Stripe's current state of the subscription; null when Stripe has no such subscription (404). */
  retrieve(subscriptionId: string): Promise<StripeSubscription | null>;
}

export interface StripeApiSettings {
  apiKey: string;
  /** an origin: protocol, host and port only (the package appends /v1/…) */
  apiUrl: string;
  timeoutMs: number;
}

export function stripeSubscriptionReader(o: StripeApiSettings): SubscriptionReader {
  const url = new URL(o.apiUrl);
  const protocol = url.protocol === "http:" ? "http" : "https";
  let client: Stripe | undefined;
  const settings: Stripe.StripeConfig = {
    protocol,
    host: url.hostname,
    port: url.port || (protocol === "http" ? 80 : 443),
    timeout: o.timeoutMs,
    // Stripe's own redelivery is the retry: a 503 answer makes it deliver the event again later
    maxNetworkRetries: 0,
    telemetry: false,
    appInfo: { name: "alga-license" },
  };
  return {
    async retrieve(subscriptionId) {
      const StripeSdk = await loadStripe();
      client ??= new StripeSdk(o.apiKey, settings);
      let answer: unknown;
      try {
        answer = await client.subscriptions.retrieve(subscriptionId);
      } catch (err) {
        if (err instanceof StripeSdk.errors.StripeInvalidRequestError && err.statusCode === 404) return null;
        const e = err as { type?: string; statusCode?: number; message?: string };
        // the key never appears: Stripe's messages name at most its last four characters
        throw new StripeUnavailable(
          `Stripe's API (${url.origin}) did not answer for ${subscriptionId}: ${e.type ?? "error"}${e.statusCode ? ` ${e.statusCode}` : ""}: ${e.message ?? String(err)}`,
        );
      }
      const parsed = StripeSubscription.safeParse(answer);
      if (!parsed.success || parsed.data.id !== subscriptionId) {
        throw new StripeUnavailable(`Stripe's API (${url.origin}) answered for ${subscriptionId} with something that is not that subscription`);
      }
      return parsed.data;
    },
  };
}
