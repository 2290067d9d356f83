// POST /webhooks/stripe: the raw body's signature is verified with the official `stripe` package
// against STRIPE_WEBHOOK_SECRET before anything is read or written. Answers (Stripe retries any non-2xx):
//   200 { received, outcome }  applied / ignored / stale / unmatched / duplicate — all acknowledged
//   400 BAD_SIGNATURE          missing or bad signature, or a stale signature timestamp: nothing written
//   400 MALFORMED_EVENT        correctly signed, but not a Stripe event this service can apply (not JSON,
//                              no id, a non-numeric created, a null data.object…): nothing written
//   503                        STRIPE_WEBHOOK_SECRET unset, the database unavailable/busy, or (with
//                              STRIPE_API_KEY) Stripe's API not answering an event that needs it (retry)
//   500                        anything unexpected (logged with the request id; Stripe retries)
import express, { type RequestHandler, type Response } from "express";
import type { Logger } from "pino";
import { loadStripe } from "../lazy-import.js";
import { classifyFailure, isClientTimeout } from "../db/failures.js";
import type { Services } from "../domain/services.js";
import type { Edition } from "../generated/prisma/enums.js";
import { stripeSubscriptionReader, StripeUnavailable, type StripeApiSettings } from "./stripe-api.js";
import { MalformedStripeEvent, parseStripeEvent, type StripeEventEnvelope } from "./stripe-event-shape.js";
import { processStripeEvent } from "./stripe-webhook.js";

/** Stripe's event payloads stay well below this; it is independent of BODY_LIMIT (GraphQL). */
export const STRIPE_WEBHOOK_BODY_LIMIT = "1mb";

export interface StripeWebhookDeps {
  services: Services;
  stripe: { webhookSecret?: string; priceEditions: Record<string, Edition>; api?: StripeApiSettings };
  log: Logger;
  /** whether the database answers its probe now (db/health.ts): it tells a timeout's outage from saturation */
  databaseReachable?: () => Promise<boolean>;
}

/** A signed event that cannot be applied: 400, nothing written; Stripe's retries would not help. */
function malformed(res: Response, log: Logger, requestId: string, err: MalformedStripeEvent, event?: { id: string; type: string }) {
  log.warn({ reason: err.message, stripeEventId: event?.id, type: event?.type }, "Stripe webhook refused: the event is signed but malformed");
  res.status(400).json({ error: { code: "MALFORMED_EVENT", message: `${err.message} Nothing was written.`, requestId } });
}

export function stripeWebhook(d: StripeWebhookDeps): RequestHandler[] {
  const reader = d.stripe.api ? stripeSubscriptionReader(d.stripe.api) : undefined;
  const handle: RequestHandler = async (req, res) => {
    const requestId = res.locals.requestId as string;
    const log = (req as unknown as { log?: Logger }).log ?? d.log.child({ requestId });
    const secret = d.stripe.webhookSecret;
    if (!secret) {
      log.error("a Stripe webhook arrived but STRIPE_WEBHOOK_SECRET is not set: it cannot be verified (Stripe will retry)");
      res
        .status(503)
        .json({ error: { code: "STRIPE_NOT_CONFIGURED", message: "Stripe webhooks are not configured on this server (STRIPE_WEBHOOK_SECRET).", requestId } });
      return;
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let verified: unknown;
    // Stripe's SDK is imported on the first webhook (or warmed after the start when one is configured)
    const Stripe = await loadStripe();
    try {
      verified = Stripe.webhooks.constructEvent(body, req.header("stripe-signature") ?? "", secret);
    } catch (err) {
      if (!(err instanceof Stripe.errors.StripeSignatureVerificationError)) {
        // the signature verified; the body it covers did not parse as a JSON event
        malformed(res, log, requestId, new MalformedStripeEvent(`The body is not a JSON Stripe event (${(err as Error).message}).`));
        return;
      }
      log.warn({ reason: err.message }, "Stripe webhook refused: signature verification failed");
      res.status(400).json({
        error: {
          code: "BAD_SIGNATURE",
          message: "The Stripe-Signature header does not verify against STRIPE_WEBHOOK_SECRET (or its timestamp is too old).",
          requestId,
        },
      });
      return;
    }
    let event: StripeEventEnvelope;
    try {
      event = parseStripeEvent(verified);
    } catch (err) {
      malformed(res, log, requestId, err as MalformedStripeEvent);
      return;
    }
    try {
      const r = await processStripeEvent(d.services, { prices: d.stripe.priceEditions, requestId, log, reader }, event);
      log.info({ stripeEventId: event.id, type: event.type, outcome: r.outcome, tenantId: r.tenantId }, "Stripe event processed");
      res.json({ received: true, id: event.id, type: event.type, outcome: r.outcome });
    } catch (err) {
      if (err instanceof MalformedStripeEvent) {
        malformed(res, log, requestId, err, event);
        return;
      }
      if (err instanceof StripeUnavailable) {
        log.error(
          { reason: err.message, stripeEventId: event.id, type: event.type },
          "Stripe event needs the subscription's state from Stripe, which did not answer: nothing was written, Stripe retries it",
        );
        res.status(503).json({
          error: {
            code: "STRIPE_UNAVAILABLE",
            message: "The event needs the subscription's current state from Stripe's API, which did not answer; nothing was written and it is safe to retry.",
            requestId,
          },
        });
        return;
      }
      const failure = classifyFailure(err, isClientTimeout(err) && d.databaseReachable ? await d.databaseReachable() : true);
      log.error({ err, stripeEventId: event.id, type: event.type }, "Stripe event failed: nothing was written, Stripe retries it");
      res
        .status(failure ? 503 : 500)
        .json({ error: { code: failure ?? "INTERNAL_SERVER_ERROR", message: "The event was not processed; it is safe to retry.", requestId } });
    }
  };
  return [express.raw({ type: () => true, limit: STRIPE_WEBHOOK_BODY_LIMIT }), handle];
}
