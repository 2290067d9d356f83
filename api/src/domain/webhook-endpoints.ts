// Admins register the vendor's systems that receive events (Standard Webhooks). Each change is one
// transaction with its audit event; the signing secret is returned once (creation, rotation), stored
// sealed with the server secret, never logged.
//
// SSRF care: the URL must be http(s), without credentials or fragment; deliveries never follow
// redirects and never read the receiver's answer beyond its status (webhooks/delivery-worker.ts).
// Only admins can point the service at a URL; restrict the API's egress to the vendor's systems (a
// network policy) where internal addresses must stay out of reach.
import { insertAudit } from "../data/audit.js";
import { disableEndpoint, insertEndpoint, lockEndpoint, redeliver, rotateEndpointSecret, type WebhookEndpointRow } from "../data/webhooks.js";
import { transaction } from "../db/sql.js";
import { newWebhookSecret } from "../webhooks/signature.js";
import { badInput } from "./errors.js";
import type { Actor } from "./principal.js";
import type { Services } from "./services.js";
import { optionalText, requireUuid } from "./validate.js";
import { isWebhookEvent, WEBHOOK_EVENTS } from "./webhook-events.js";

/** how long the previous secret still signs after a rotation, unless configured (WEBHOOK_SECRET_OVERLAP_SECONDS) */
const DEFAULT_OVERLAP_SECONDS = 24 * 3600;

export function requireWebhookUrl(value: string): string {
  const v = value.trim();
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw badInput("url is not an absolute URL, e.g. https://hooks.example.com/alga", "url");
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") throw badInput("url must be http:// or https://", "url");
  if (u.username || u.password) throw badInput("url must not carry credentials (the signature authenticates the sender)", "url");
  if (u.hash) throw badInput("url must not carry a fragment", "url");
  if (v.length > 2000) throw badInput("url must be at most 2000 characters", "url");
  return u.toString();
}

export function requireEvents(events: readonly string[]): string[] {
  const unique = [...new Set(events.map((e) => e.trim()))];
  if (unique.length === 0) throw badInput(`events must name at least one of ${WEBHOOK_EVENTS.join(", ")}`, "events");
  const unknown = unique.filter((e) => !isWebhookEvent(e));
  if (unknown.length) throw badInput(`unknown event(s) ${unknown.join(", ")}: known are ${WEBHOOK_EVENTS.join(", ")}`, "events");
  return unique;
}

const notFound = () => badInput("No webhook endpoint has this id.", "id");

export async function createWebhookEndpoint(
  s: Services,
  actor: Actor,
  input: { url: string; events: readonly string[]; description?: string | null },
): Promise<{ endpoint: WebhookEndpointRow; secret: string }> {
  const url = requireWebhookUrl(input.url);
  const events = requireEvents(input.events);
  const description = optionalText(input.description, "description", 500) ?? null;
  const secret = newWebhookSecret();
  return transaction(s.db, async (tx) => {
    const now = s.clock();
    const endpoint = await insertEndpoint(tx, { url, description, events, sealedSecret: s.secret.seal(secret), now });
    await insertAudit(tx, actor, "webhook_endpoint.created", null, { endpointId: endpoint.id, url, events }, now);
    return { endpoint, secret };
  });
}

export async function disableWebhookEndpoint(s: Services, actor: Actor, input: { id: string }): Promise<WebhookEndpointRow> {
  const id = requireUuid(input.id, "id");
  return transaction(s.db, async (tx) => {
    const now = s.clock();
    const found = await lockEndpoint(tx, id);
    if (!found) throw notFound();
    if (found.disabledAt) return found;
    const { endpoint, parked } = await disableEndpoint(tx, id, now);
    await insertAudit(tx, actor, "webhook_endpoint.disabled", null, { endpointId: id, parkedDeliveries: parked }, now);
    return endpoint;
  });
}

export async function rotateWebhookEndpointSecret(
  s: Services,
  actor: Actor,
  input: { id: string },
): Promise<{ endpoint: WebhookEndpointRow; secret: string; previousSecretValidUntil: Date }> {
  const id = requireUuid(input.id, "id");
  const secret = newWebhookSecret();
  return transaction(s.db, async (tx) => {
    const now = s.clock();
    const found = await lockEndpoint(tx, id);
    if (!found) throw notFound();
    if (found.disabledAt) throw badInput("The webhook endpoint is disabled: create a new one.", "id");
    const previousUntil = new Date(now.getTime() + (s.webhooks?.secretOverlapSeconds ?? DEFAULT_OVERLAP_SECONDS) * 1000);
    const endpoint = await rotateEndpointSecret(tx, id, { sealedSecret: s.secret.seal(secret), previousUntil, now });
    await insertAudit(tx, actor, "webhook_endpoint.secret_rotated", null, { endpointId: id, previousSecretValidUntil: previousUntil.toISOString() }, now);
    return { endpoint, secret, previousSecretValidUntil: previousUntil };
  });
}

/** A delivery (DELIVERED or FAILED alike) is sent again: due now, with a fresh count of attempts. */
export async function redeliverWebhook(s: Services, actor: Actor, input: { deliveryId: string }): Promise<{ id: string }> {
  const deliveryId = requireUuid(input.deliveryId, "deliveryId");
  const done = await transaction(s.db, async (tx) => {
    const now = s.clock();
    const r = await redeliver(tx, deliveryId);
    if (!r) throw badInput("No webhook delivery has this id.", "deliveryId");
    if (r.endpointDisabled) throw badInput("The delivery's endpoint is disabled: nothing is sent to it.", "deliveryId");
    await insertAudit(tx, actor, "webhook_delivery.redelivered", null, { deliveryId }, now);
    return r;
  });
  s.webhooksQueued?.();
  return done;
}
