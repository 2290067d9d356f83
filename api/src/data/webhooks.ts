// webhook_endpoint / webhook_delivery / webhook_delivery_attempt: outbound events (Standard Webhooks).
// A delivery is queued in the transaction of the change it reports (enqueueEvents, called where the
// change's audit event is written), then claimed one at a time under a lease token (FOR UPDATE SKIP
// LOCKED: replicas never collide) and every final write is fenced on that token, like the mail outbox.
import type { Queryable } from "../db/sql.js";

export interface WebhookEndpointRow {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const ENDPOINT_COLUMNS = `id, url, description, events, disabled_at AS "disabledAt", created_at AS "createdAt", updated_at AS "updatedAt"`;

export async function insertEndpoint(
  q: Queryable,
  e: { url: string; description: string | null; events: string[]; sealedSecret: string; now: Date },
): Promise<WebhookEndpointRow> {
  const { rows } = await q.query<WebhookEndpointRow>(
    `INSERT INTO webhook_endpoint (id, url, description, events, sealed_secret, created_at, updated_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $5) RETURNING ${ENDPOINT_COLUMNS}`,
    [e.url, e.description, e.events, e.sealedSecret, e.now],
  );
  return rows[0]!;
}

export async function lockEndpoint(q: Queryable, id: string): Promise<(WebhookEndpointRow & { sealedSecret: string }) | null> {
  const { rows } = await q.query<WebhookEndpointRow & { sealedSecret: string }>(
    `SELECT ${ENDPOINT_COLUMNS}, sealed_secret AS "sealedSecret" FROM webhook_endpoint WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0] ?? null;
}

/** Disabled: nothing new is queued for it and what is still pending is parked as FAILED. */
export async function disableEndpoint(q: Queryable, id: string, now: Date): Promise<{ endpoint: WebhookEndpointRow; parked: number }> {
  const { rows } = await q.query<WebhookEndpointRow>(
    `UPDATE webhook_endpoint SET disabled_at = COALESCE(disabled_at, $2), updated_at = $2 WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
    [id, now],
  );
  const { rowCount } = await q.query(
    `UPDATE webhook_delivery SET status = 'FAILED', last_error = 'endpoint disabled', lease_token = NULL WHERE endpoint_id = $1 AND status = 'PENDING'`,
    [id],
  );
  return { endpoint: rows[0]!, parked: rowCount ?? 0 };
}

/** The new secret signs from now on; the previous one also signs until previousUntil (receivers switch over). */
export async function rotateEndpointSecret(q: Queryable, id: string, s: { sealedSecret: string; previousUntil: Date; now: Date }): Promise<WebhookEndpointRow> {
  const { rows } = await q.query<WebhookEndpointRow>(
    `UPDATE webhook_endpoint SET previous_sealed_secret = sealed_secret, previous_secret_until = $3, sealed_secret = $2, updated_at = $4
      WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
    [id, s.sealedSecret, s.previousUntil, s.now],
  );
  return rows[0]!;
}

export interface QueuedEvent {
  type: string;
  tenantId: string | null;
  /** the JSON body, exactly as it will be signed and sent */
  body: string;
}

/**
 * Queues each event for every enabled endpoint subscribed to its type, inside the caller's transaction
 * (so an event exists exactly when its change committed). One statement for any number of events. It
 * is due at the database's time (the claims compare with it), whatever clock the change was made by.
 */
export async function enqueueEvents(q: Queryable, events: QueuedEvent[], now: Date): Promise<number> {
  if (events.length === 0) return 0;
  const { rowCount } = await q.query(
    `INSERT INTO webhook_delivery (id, endpoint_id, event_type, tenant_id, body, next_attempt_at, created_at)
     SELECT gen_random_uuid(), e.id, ev.type, ev.tenant_id, ev.body, now(), $4
       FROM unnest($1::text[], $2::uuid[], $3::text[]) AS ev(type, tenant_id, body)
       JOIN webhook_endpoint e ON e.disabled_at IS NULL AND ev.type = ANY(e.events)`,
    [events.map((e) => e.type), events.map((e) => e.tenantId), events.map((e) => e.body), now],
  );
  return rowCount ?? 0;
}

export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  eventType: string;
  body: string;
  attempts: number;
  leaseToken: string;
  url: string;
  sealedSecret: string;
  previousSealedSecret: string | null;
}

/** Claims the oldest due delivery of an enabled endpoint for leaseSeconds. */
export async function claimDelivery(q: Queryable, leaseSeconds: number): Promise<ClaimedDelivery | null> {
  const { rows } = await q.query<ClaimedDelivery>(
    `UPDATE webhook_delivery d SET attempts = d.attempts + 1, lease_token = gen_random_uuid(),
            next_attempt_at = now() + make_interval(secs => $1)
       FROM webhook_endpoint e
      WHERE d.id = (SELECT x.id FROM webhook_delivery x WHERE x.status = 'PENDING' AND x.next_attempt_at <= now()
                     ORDER BY x.next_attempt_at, x.created_at LIMIT 1 FOR UPDATE OF x SKIP LOCKED)
        AND e.id = d.endpoint_id
      RETURNING d.id, d.endpoint_id AS "endpointId", d.event_type AS "eventType", d.body, d.attempts, d.lease_token AS "leaseToken",
                e.url, e.sealed_secret AS "sealedSecret",
                CASE WHEN e.previous_secret_until > now() THEN e.previous_sealed_secret END AS "previousSealedSecret"`,
    [leaseSeconds],
  );
  return rows[0] ?? null;
}

export interface AttemptRecord {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/**
 * Records one attempt and its outcome, fenced on the lease: delivered, due again after retryInMs, or
 * parked as FAILED. False when the lease was lost (another worker owns the delivery now).
 */
export async function recordAttempt(
  q: Queryable,
  d: Pick<ClaimedDelivery, "id" | "leaseToken" | "attempts">,
  a: AttemptRecord & { outcome: "DELIVERED" | "PENDING" | "FAILED"; retryInMs: number },
): Promise<boolean> {
  const { rows } = await q.query<{ id: string }>(
    `WITH done AS (
       UPDATE webhook_delivery SET status = $3::"WebhookDeliveryStatus", lease_token = NULL, last_error = $4,
              delivered_at = CASE WHEN $3 = 'DELIVERED' THEN now() END,
              next_attempt_at = now() + make_interval(secs => $5::double precision / 1000)
        WHERE id = $1 AND lease_token = $2 RETURNING id)
     INSERT INTO webhook_delivery_attempt (id, delivery_id, attempt, status_code, error, duration_ms, created_at)
     SELECT gen_random_uuid(), done.id, $6, $7, $4, $8, now() FROM done RETURNING delivery_id AS id`,
    [d.id, d.leaseToken, a.outcome, a.error?.slice(0, 500) ?? null, a.retryInMs, d.attempts, a.statusCode, a.durationMs],
  );
  return rows.length === 1;
}

/** An admin sends a delivery again: due now, with a fresh count of attempts (the attempt log keeps the history). */
export async function redeliver(q: Queryable, id: string): Promise<{ id: string; endpointDisabled: boolean } | null> {
  const { rows } = await q.query<{ id: string; endpointDisabled: boolean }>(
    `UPDATE webhook_delivery d SET status = 'PENDING', attempts = 0, next_attempt_at = now(), lease_token = NULL, last_error = NULL, delivered_at = NULL
       FROM webhook_endpoint e
      WHERE d.id = $1 AND e.id = d.endpoint_id AND e.disabled_at IS NULL
      RETURNING d.id, false AS "endpointDisabled"`,
    [id],
  );
  if (rows[0]) return rows[0];
  const { rows: exists } = await q.query<{ id: string }>(`SELECT id FROM webhook_delivery WHERE id = $1`, [id]);
  return exists[0] ? { id, endpointDisabled: true } : null;
}

export async function deliveryBacklog(q: Queryable): Promise<{ pending: number; failed: number }> {
  const { rows } = await q.query<{ pending: number; failed: number }>(
    `SELECT count(*) FILTER (WHERE status = 'PENDING')::int AS pending, count(*) FILTER (WHERE status = 'FAILED')::int AS failed
       FROM webhook_delivery WHERE status <> 'DELIVERED'`,
  );
  return rows[0]!;
}
