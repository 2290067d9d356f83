// The events sent to the vendor's systems, derived from the audit events of the changes they report:
// insertAudit (data/audit.ts) queues the event in the same transaction as the change, so an event is
// sent exactly when its change committed. docs/EVENTS.md lists every event with its payload.
//
// Body (Standard Webhooks' recommended shape): { "type": "<event>", "timestamp": "<ISO 8601>", "data": {…} }
// where data always holds tenantId (null for events of no tenant) and the audit event's details.

export const WEBHOOK_EVENTS = [
  "tenant.registered",
  "install_code.redeemed",
  "appliance.health_changed",
  "appliance.credential_retired",
  "entitlement.changed",
  "seat_limit.reached",
] as const;

export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const isWebhookEvent = (v: string): v is WebhookEvent => (WEBHOOK_EVENTS as readonly string[]).includes(v);

/** The event an audit action sends (null: none). Every entitlement.* action is one entitlement.changed. */
export function webhookEventOf(action: string): WebhookEvent | null {
  if (action.startsWith("entitlement.")) return "entitlement.changed";
  return isWebhookEvent(action) ? action : null;
}

/** The exact JSON body of an event (what is signed and sent). */
export function eventBody(type: WebhookEvent, action: string, tenantId: string | null, details: Record<string, unknown>, now: Date): string {
  const data: Record<string, unknown> = { tenantId, ...details };
  // entitlement.changed says which change it was (entitlement.granted, entitlement.past_due, …)
  if (type === "entitlement.changed") data.action = action;
  return JSON.stringify({ type, timestamp: now.toISOString(), data });
}
