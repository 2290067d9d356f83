// email_outbox: transactional outbox. A message is claimed one at a time under a lease token; every
// final write is fenced on that token, so a worker whose lease ran out cannot overwrite the outcome
// another worker recorded.
import type { Queryable } from "../db/sql.js";

export interface ClaimedEmail {
  id: string;
  recipient: string;
  sealedMessage: string;
  attempts: number;
  leaseToken: string;
  /** false for an early claim of a message not yet due (its attempt is not counted) */
  counted?: boolean;
}

export async function enqueueEmail(
  q: Queryable,
  m: { tenantId: string | null; recipient: string; kind: string; sealedMessage: string; now: Date },
): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO email_outbox (id, tenant_id, recipient, kind, sealed_message, next_attempt_at, created_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $5) RETURNING id`,
    [m.tenantId, m.recipient, m.kind, m.sealedMessage, m.now],
  );
  return rows[0]!.id;
}

/** Claims the oldest due message for leaseSeconds (FOR UPDATE SKIP LOCKED: replicas never collide). */
export async function claimEmail(q: Queryable, leaseSeconds: number): Promise<ClaimedEmail | null> {
  const { rows } = await q.query<ClaimedEmail>(
    `UPDATE email_outbox SET attempts = attempts + 1, lease_token = gen_random_uuid(),
            next_attempt_at = now() + make_interval(secs => $1)
      WHERE id = (SELECT id FROM email_outbox WHERE status = 'PENDING' AND next_attempt_at <= now()
                   ORDER BY next_attempt_at, created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id, recipient, sealed_message AS "sealedMessage", attempts, lease_token AS "leaseToken"`,
    [leaseSeconds],
  );
  return rows[0] ?? null;
}

/**
 * Claims the message due soonest even before it is due (a probe of a mail service that refuses mail):
 * its attempt counts only if it was due and `count` is set. Messages leased by a live worker are skipped.
 */
export async function claimSoonestEmail(q: Queryable, leaseSeconds: number, count: boolean): Promise<ClaimedEmail | null> {
  const { rows } = await q.query<ClaimedEmail>(
    `WITH pick AS (
       SELECT id, next_attempt_at <= now() AS due FROM email_outbox
        WHERE status = 'PENDING' AND (lease_token IS NULL OR next_attempt_at <= now())
        ORDER BY next_attempt_at, created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
     UPDATE email_outbox o SET attempts = o.attempts + CASE WHEN pick.due AND $2 THEN 1 ELSE 0 END, lease_token = gen_random_uuid(),
            next_attempt_at = now() + make_interval(secs => $1)
       FROM pick WHERE o.id = pick.id
     RETURNING o.id, o.recipient, o.sealed_message AS "sealedMessage", o.attempts, o.lease_token AS "leaseToken", (pick.due AND $2) AS counted`,
    [leaseSeconds, count],
  );
  return rows[0] ?? null;
}

/** Sent: the sealed body is wiped. False when the lease was lost (another worker owns the row now). */
export async function markSent(q: Queryable, e: ClaimedEmail, messageId: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE email_outbox SET status = 'SENT', sent_at = now(), sealed_message = NULL, message_id = $3, last_error = NULL, lease_token = NULL
      WHERE id = $1 AND lease_token = $2`,
    [e.id, e.leaseToken, messageId],
  );
  return rowCount === 1;
}

/** A failed send: retry after retryInMs (refunding the attempt when the mail service itself was down), or park as DEAD. */
export async function markFailed(
  q: Queryable,
  e: ClaimedEmail,
  f: { error: string; retryInMs: number; dead: boolean; refundAttempt: boolean },
): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE email_outbox SET status = $3, last_error = $4, next_attempt_at = now() + make_interval(secs => $5::double precision / 1000),
            attempts = attempts - CASE WHEN $6::boolean THEN 1 ELSE 0 END, lease_token = NULL
      WHERE id = $1 AND lease_token = $2`,
    [e.id, e.leaseToken, f.dead ? "DEAD" : "PENDING", f.error.slice(0, 500), f.retryInMs, f.refundAttempt],
  );
  return rowCount === 1;
}

/** The mail service answers again: messages waiting out a failure's backoff become due now. */
export async function expediteFailed(q: Queryable): Promise<number> {
  const { rowCount } = await q.query(
    `UPDATE email_outbox SET next_attempt_at = now() WHERE status = 'PENDING' AND last_error IS NOT NULL AND lease_token IS NULL AND next_attempt_at > now()`,
  );
  return rowCount ?? 0;
}

export async function backlog(q: Queryable): Promise<{ pending: number; dead: number }> {
  const { rows } = await q.query<{ pending: number; dead: number }>(
    `SELECT count(*) FILTER (WHERE status = 'PENDING')::int AS pending, count(*) FILTER (WHERE status = 'DEAD')::int AS dead
       FROM email_outbox WHERE status <> 'SENT'`,
  );
  return rows[0]!;
}

export interface OutboxRow {
  id: string;
  tenantId: string | null;
  kind: string;
  status: "PENDING" | "SENT" | "DEAD";
  attempts: number;
  lastError: string | null;
}

/** A DEAD message back to PENDING, due now, its attempts reset (its sealed body is still there). */
export async function requeueDeadEmail(q: Queryable, id: string, now: Date): Promise<OutboxRow | null> {
  const { rows } = await q.query<OutboxRow>(
    `UPDATE email_outbox SET status = 'PENDING', attempts = 0, next_attempt_at = $2, lease_token = NULL
      WHERE id = $1 AND status = 'DEAD' AND sealed_message IS NOT NULL
      RETURNING id, tenant_id AS "tenantId", kind, status, attempts, last_error AS "lastError"`,
    [id, now],
  );
  return rows[0] ?? null;
}

export async function findEmail(q: Queryable, id: string): Promise<OutboxRow | null> {
  const { rows } = await q.query<OutboxRow>(
    `SELECT id, tenant_id AS "tenantId", kind, status, attempts, last_error AS "lastError" FROM email_outbox WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}
