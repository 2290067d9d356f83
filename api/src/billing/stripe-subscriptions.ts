// What the service keeps per Stripe subscription besides its entitlement: a lock that serialises the
// subscription's events across processes, and its tombstone (stripe_subscription_tombstone) once
// Stripe ended it — kept even while the registry does not know the subscription, so an event that
// Stripe delivers later never licenses it.
import type { Queryable } from "../db/sql.js";

/** Advisory lock class of Stripe subscriptions (the second key is the id's hash). */
const SUBSCRIPTION_LOCK_CLASS = 0x53_54_52_50; // "STRP"

/**
 * Held until the transaction ends, so a deletion and the checkout it races (on any replica) are decided
 * one after the other, also while neither can be mapped to a tenant yet. Taken before the tenant's row
 * lock, by every event that names the subscription.
 */
export async function lockSubscription(q: Queryable, subscriptionId: string): Promise<void> {
  await q.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [SUBSCRIPTION_LOCK_CLASS, subscriptionId]);
}

export interface Tombstone {
  subscriptionId: string;
  /** Stripe's time of the earliest terminal event seen */
  endedAt: Date;
  stripeEventId: string;
}

const COLUMNS = `subscription_id AS "subscriptionId", ended_at AS "endedAt", stripe_event_id AS "stripeEventId"`;

/** Remembers the end (the earliest one wins); `created` is false when the subscription already had one. */
export async function recordTombstone(
  q: Queryable,
  t: { subscriptionId: string; endedAt: Date; stripeEventId: string; customerId: string | null; now: Date },
): Promise<{ tombstone: Tombstone; created: boolean }> {
  const { rows } = await q.query<Tombstone & { created: boolean }>(
    `INSERT INTO stripe_subscription_tombstone (subscription_id, ended_at, stripe_event_id, customer_id, recorded_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (subscription_id) DO UPDATE SET ended_at = LEAST(stripe_subscription_tombstone.ended_at, EXCLUDED.ended_at)
     RETURNING ${COLUMNS}, (xmax = 0) AS created`,
    [t.subscriptionId, t.endedAt, t.stripeEventId, t.customerId, t.now],
  );
  const { created, ...tombstone } = rows[0]!;
  return { tombstone, created };
}

export async function findTombstone(q: Queryable, subscriptionId: string): Promise<Tombstone | null> {
  const { rows } = await q.query<Tombstone>(`SELECT ${COLUMNS} FROM stripe_subscription_tombstone WHERE subscription_id = $1`, [subscriptionId]);
  return rows[0] ?? null;
}
