// entitlement: a tenant's paid licensing, driven by billing (Stripe webhooks) or admin mutations.
import type { Edition, EntitlementStatus } from "../generated/prisma/enums.js";
import type { Queryable } from "../db/sql.js";

export interface EntitlementRow {
  id: string;
  tenantId: string;
  edition: Edition;
  status: EntitlementStatus;
  stripeSubscriptionId: string | null;
  stripePriceId: string | null;
  validUntil: Date | null;
  pastDueSince: Date | null;
  cancelledAt: Date | null;
  seats: number;
  stripeUpdatedAt: Date | null;
  createdAt: Date;
}

const COLUMNS = `id, tenant_id AS "tenantId", edition, status, stripe_subscription_id AS "stripeSubscriptionId",
  stripe_price_id AS "stripePriceId", valid_until AS "validUntil", past_due_since AS "pastDueSince",
  cancelled_at AS "cancelledAt", seats, stripe_updated_at AS "stripeUpdatedAt", created_at AS "createdAt"`;

// Which entitlement is current (a tenant's newest) is defined once, by the current_entitlement view
// (migration 20261202081000_current_entitlement), which Prisma reads too (view CurrentEntitlement).

/** The current entitlement joined into another row as "e" (null columns when the tenant has none): select PREFIXED_COLUMNS. */
export const CURRENT_ENTITLEMENT_JOIN = (tenantIdColumn: string) =>
  `LEFT JOIN current_entitlement ce ON ce.tenant_id = ${tenantIdColumn} LEFT JOIN entitlement e ON e.id = ce.entitlement_id`;

export const PREFIXED_COLUMNS = `e.id AS "e_id", e.edition AS "e_edition", e.status AS "e_status", e.stripe_subscription_id AS "e_stripeSubscriptionId",
  e.stripe_price_id AS "e_stripePriceId", e.valid_until AS "e_validUntil", e.past_due_since AS "e_pastDueSince",
  e.cancelled_at AS "e_cancelledAt", e.seats AS "e_seats", e.stripe_updated_at AS "e_stripeUpdatedAt", e.created_at AS "e_createdAt"`;

export type PrefixedEntitlement = Record<`e_${keyof EntitlementRow}`, unknown>;

/** The entitlement of a row selected with PREFIXED_COLUMNS (null when the tenant has none). */
export function entitlementFromPrefixed(r: PrefixedEntitlement, tenantId: string): EntitlementRow | null {
  if (!r.e_id) return null;
  return {
    id: r.e_id,
    tenantId,
    edition: r.e_edition,
    status: r.e_status,
    stripeSubscriptionId: r.e_stripeSubscriptionId,
    stripePriceId: r.e_stripePriceId,
    validUntil: r.e_validUntil,
    pastDueSince: r.e_pastDueSince,
    cancelledAt: r.e_cancelledAt,
    seats: r.e_seats,
    stripeUpdatedAt: r.e_stripeUpdatedAt,
    createdAt: r.e_createdAt,
  } as EntitlementRow;
}

/** The tenant's current entitlement: its newest (a new subscription supersedes older ones). */
export async function currentEntitlement(q: Queryable, tenantId: string): Promise<EntitlementRow | null> {
  const { rows } = await q.query<EntitlementRow>(
    `SELECT ${COLUMNS} FROM entitlement WHERE id = (SELECT entitlement_id FROM current_entitlement WHERE tenant_id = $1)`,
    [tenantId],
  );
  return rows[0] ?? null;
}

export async function findEntitlement(q: Queryable, id: string): Promise<EntitlementRow | null> {
  const { rows } = await q.query<EntitlementRow>(`SELECT ${COLUMNS} FROM entitlement WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

export async function findEntitlementBySubscription(q: Queryable, subscriptionId: string): Promise<EntitlementRow | null> {
  const { rows } = await q.query<EntitlementRow>(`SELECT ${COLUMNS} FROM entitlement WHERE stripe_subscription_id = $1`, [subscriptionId]);
  return rows[0] ?? null;
}

export async function insertEntitlement(
  q: Queryable,
  e: {
    tenantId: string;
    edition: Edition;
    status?: EntitlementStatus;
    stripeSubscriptionId?: string | null;
    stripePriceId?: string | null;
    validUntil?: Date | null;
    seats?: number;
    stripeUpdatedAt?: Date | null;
    /** born cancelled: a subscription Stripe had already ended when the registry learnt of it */
    cancelledAt?: Date | null;
    now: Date;
  },
): Promise<EntitlementRow> {
  const { rows } = await q.query<EntitlementRow>(
    `INSERT INTO entitlement (id, tenant_id, edition, status, stripe_subscription_id, stripe_price_id, valid_until, seats,
                              stripe_updated_at, cancelled_at, created_at, updated_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING ${COLUMNS}`,
    [
      e.tenantId,
      e.edition,
      e.status ?? "ACTIVE",
      e.stripeSubscriptionId ?? null,
      e.stripePriceId ?? null,
      e.validUntil ?? null,
      e.seats ?? 1,
      e.stripeUpdatedAt ?? null,
      e.cancelledAt ?? null,
      e.now,
    ],
  );
  return rows[0]!;
}

export type EntitlementPatch = Partial<
  Pick<
    EntitlementRow,
    "edition" | "status" | "validUntil" | "pastDueSince" | "cancelledAt" | "seats" | "stripePriceId" | "stripeUpdatedAt" | "stripeSubscriptionId"
  >
>;

const PATCH_COLUMNS: Record<keyof EntitlementPatch, string> = {
  edition: "edition",
  status: "status",
  validUntil: "valid_until",
  pastDueSince: "past_due_since",
  cancelledAt: "cancelled_at",
  seats: "seats",
  stripePriceId: "stripe_price_id",
  stripeUpdatedAt: "stripe_updated_at",
  stripeSubscriptionId: "stripe_subscription_id",
};

export async function updateEntitlement(q: Queryable, id: string, patch: EntitlementPatch, now: Date): Promise<EntitlementRow> {
  const keys = (Object.keys(patch) as (keyof EntitlementPatch)[]).filter((k) => patch[k] !== undefined);
  const sets = keys.map((k, i) => `${PATCH_COLUMNS[k]} = $${i + 3}`);
  const { rows } = await q.query<EntitlementRow>(`UPDATE entitlement SET ${[...sets, "updated_at = $2"].join(", ")} WHERE id = $1 RETURNING ${COLUMNS}`, [
    id,
    now,
    ...keys.map((k) => patch[k]),
  ]);
  return rows[0]!;
}

export async function listEntitlements(q: Queryable, tenantId: string): Promise<EntitlementRow[]> {
  const { rows } = await q.query<EntitlementRow>(`SELECT ${COLUMNS} FROM entitlement WHERE tenant_id = $1 ORDER BY created_at DESC`, [tenantId]);
  return rows;
}
