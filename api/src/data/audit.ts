// audit_event: every mutation writes one, inside its own transaction. The audit events of the changes
// the vendor's systems subscribe to also queue their webhook event here (domain/webhook-events.ts), so
// the event is committed (or rolled back) with the change.
import type { Queryable } from "../db/sql.js";
import { principalRef, type Actor } from "../domain/principal.js";
import { eventBody, webhookEventOf } from "../domain/webhook-events.js";
import { enqueueEvents } from "./webhooks.js";

export async function insertAudit(
  q: Queryable,
  actor: Actor,
  action: string,
  tenantId: string | null,
  details: Record<string, unknown>,
  now: Date,
): Promise<void> {
  const { principalType, principalId } = principalRef(actor.principal);
  await q.query(
    `INSERT INTO audit_event (id, principal_type, principal_id, action, tenant_id, details, request_id, created_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7)`,
    [principalType, principalId, action, tenantId, JSON.stringify(details), actor.requestId, now],
  );
  const event = webhookEventOf(action);
  if (event) await enqueueEvents(q, [{ type: event, tenantId, body: eventBody(event, action, tenantId, details, now) }], now);
}

/** Many audit events of one action at once (the fleet sweep), with their webhook events: two statements. */
export async function insertAudits(
  q: Queryable,
  actor: Actor,
  action: string,
  entries: { tenantId: string | null; details: Record<string, unknown> }[],
  now: Date,
): Promise<void> {
  if (entries.length === 0) return;
  const { principalType, principalId } = principalRef(actor.principal);
  await q.query(
    `INSERT INTO audit_event (id, principal_type, principal_id, action, tenant_id, details, request_id, created_at)
     SELECT gen_random_uuid(), $1, $2, $3, x.tenant_id, x.details, $6, $7
       FROM unnest($4::uuid[], $5::jsonb[]) WITH ORDINALITY AS x(tenant_id, details, n) ORDER BY x.n`,
    [principalType, principalId, action, entries.map((e) => e.tenantId), entries.map((e) => JSON.stringify(e.details)), actor.requestId, now],
  );
  const event = webhookEventOf(action);
  if (event)
    await enqueueEvents(
      q,
      entries.map((e) => ({ type: event, tenantId: e.tenantId, body: eventBody(event, action, e.tenantId, e.details, now) })),
      now,
    );
}
