// stripe_event: every Stripe event id processed, written in the transaction of its effect, so an event
// takes effect exactly once (a replay, or a second delivery racing the first, finds the row).
import type { Queryable } from "../db/sql.js";

export type StripeOutcome = "applied" | "ignored" | "stale" | "unmatched";

/**
 * Claims the event for this transaction; false when it was already processed. A concurrent delivery
 * of the same event waits here on the primary key until the first commits (then gets false) or
 * rolls back (then processes it itself).
 */
export async function claimStripeEvent(q: Queryable, e: { id: string; type: string; createdAt: Date; now: Date }): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO stripe_event (id, type, created_at, received_at, outcome) VALUES ($1, $2, $3, $4, 'ignored') ON CONFLICT (id) DO NOTHING`,
    [e.id, e.type, e.createdAt, e.now],
  );
  return rowCount === 1;
}

export async function recordStripeOutcome(q: Queryable, id: string, outcome: StripeOutcome, tenantId: string | null): Promise<void> {
  await q.query(`UPDATE stripe_event SET outcome = $2, tenant_id = $3 WHERE id = $1`, [id, outcome, tenantId]);
}

export async function findStripeEvent(q: Queryable, id: string): Promise<{ outcome: StripeOutcome; tenantId: string | null } | null> {
  const { rows } = await q.query<{ outcome: StripeOutcome; tenantId: string | null }>(
    `SELECT outcome, tenant_id AS "tenantId" FROM stripe_event WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}
