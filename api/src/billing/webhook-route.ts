// POST /webhooks/stripe: the raw body's signature is verified with the official `stripe` package
// against STRIPE_WEBHOOK_SECRET before anything is read or written. Answers (Stripe retries any non-2xx):
//   200 { received, outcome }  applied / ignored / stale / unmatched / duplicate — all acknowledged
//   400                        missing or bad signature, or a stale signature timestamp: nothing written
//   503                        STRIPE_WEBHOOK_SECRET unset, or the database unavailable/busy (retry)
//   500                        anything unexpected (logged with the request id; Stripe retries)
import express, { type RequestHandler } from "express";
import type { Logger } from "pino";
import Stripe from "stripe";
import { classifyFailure } from "../db/failures.js";
import type { Services } from "../domain/services.js";
import type { Edition } from "../generated/prisma/enums.js";
import { processStripeEvent } from "./stripe-webhook.js";

/** Stripe's event payloads stay well below this; it is independent of BODY_LIMIT (GraphQL). */
export const STRIPE_WEBHOOK_BODY_LIMIT = "1mb";

export interface StripeWebhookDeps {
  services: Services;
  stripe: { webhookSecret?: string; priceEditions: Record<string, Edition> };
  log: Logger;
}

export function stripeWebhook(d: StripeWebhookDeps): RequestHandler[] {
  const handle: RequestHandler = async (req, res) => {
    const requestId = res.locals.requestId as string;
    const log = (req as unknown as { log?: Logger }).log ?? d.log.child({ requestId });
    const secret = d.stripe.webhookSecret;
    if (!secret) {
      log.error("a Stripe webhook arrived but STRIPE_WEBHOOK_SECRET is not set: it cannot be verified (Stripe will retry)");
      res.status(503).json({ error: { code: "STRIPE_NOT_CONFIGURED", message: "Stripe webhooks are not configured on this server (STRIPE_WEBHOOK_SECRET).", requestId } });
      return;
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(body, req.header("stripe-signature") ?? "", secret);
    } catch (err) {
      log.warn({ reason: (err as Error).message }, "Stripe webhook refused: signature verification failed");
      res.status(400).json({ error: { code: "BAD_SIGNATURE", message: "The Stripe-Signature header does not verify against STRIPE_WEBHOOK_SECRET (or its timestamp is too old).", requestId } });
      return;
    }
    try {
      const r = await processStripeEvent(d.services, { prices: d.stripe.priceEditions, requestId, log }, event);
      log.info({ stripeEventId: event.id, type: event.type, outcome: r.outcome, tenantId: r.tenantId }, "Stripe event processed");
      res.json({ received: true, id: event.id, type: event.type, outcome: r.outcome });
    } catch (err) {
      const failure = classifyFailure(err);
      log.error({ err, stripeEventId: event.id, type: event.type }, "Stripe event failed: nothing was written, Stripe retries it");
      res.status(failure ? 503 : 500).json({ error: { code: failure ?? "INTERNAL_SERVER_ERROR", message: "The event was not processed; it is safe to retry.", requestId } });
    }
  };
  return [express.raw({ type: () => true, limit: STRIPE_WEBHOOK_BODY_LIMIT }), handle];
}
