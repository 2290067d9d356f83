// The fleet sweep's SQL (domain/fleet-sweep.ts): appliances read in id order with what their health
// depends on, judgements written only if the row is still what was judged, notices claimed by a key
// per occurrence (notice.key is the primary key: a second replica, or a restart, finds it taken).
import { randomUUID } from "node:crypto";
import type { Queryable } from "../db/sql.js";
import type { ApplianceHealth } from "../generated/prisma/enums.js";

/** Whether an appliance is tracked at all: a live credential, or activated by file (and not retired). */
export const LICENSED_SQL = `(a.credential_revoked_at IS NULL AND (a.credential_digest IS NOT NULL OR a.activation_mode = 'OFFLINE'))`;

export interface FleetRow {
  id: string;
  tenantId: string;
  applianceId: string;
  activationMode: "ONLINE" | "OFFLINE";
  /** holds a credential that was not revoked (online), or was activated by file (offline) */
  licensed: boolean;
  licenseExpiresAt: Date | null;
  lastCheckInAt: Date | null;
  offlineRenewalDueAt: Date | null;
  createdAt: Date;
  health: ApplianceHealth | null;
}

export async function fleetBatch(q: Queryable, afterId: string, limit: number): Promise<FleetRow[]> {
  const { rows } = await q.query<FleetRow>(
    `SELECT a.id, a.tenant_id AS "tenantId", a.appliance_id AS "applianceId", a.activation_mode AS "activationMode", ${LICENSED_SQL} AS licensed,
            a.license_expires_at AS "licenseExpiresAt", a.last_check_in_at AS "lastCheckInAt", a.offline_renewal_due_at AS "offlineRenewalDueAt",
            a.created_at AS "createdAt", a.health
       FROM appliance a WHERE a.id > $1 ORDER BY a.id LIMIT $2`,
    [afterId, limit],
  );
  return rows;
}

export interface HealthChange {
  row: FleetRow;
  after: ApplianceHealth | null;
}

export interface RecordedChange {
  id: string;
  tenantId: string;
  applianceId: string;
  before: ApplianceHealth | null;
  after: ApplianceHealth | null;
  lastCheckInAt: Date | null;
  licenseExpiresAt: Date | null;
}

/**
 * Writes the new judgements in one statement, each only if the row still holds what was judged (its
 * stored health, last check-in and license expiry): a check-in in between, or another replica that
 * wrote first, leaves the row alone; a row locked by a check-in at that moment is skipped (never
 * waited for: the next pass judges it). Returns the changes made.
 */
export async function recordHealth(q: Queryable, changes: HealthChange[], now: Date): Promise<RecordedChange[]> {
  if (changes.length === 0) return [];
  const { rows } = await q.query<RecordedChange>(
    `WITH free AS (SELECT id FROM appliance WHERE id = ANY($1::uuid[]) FOR UPDATE SKIP LOCKED)
     UPDATE appliance a SET health = c.after::"ApplianceHealth", health_changed_at = $6
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[]) AS c(id, before, after, checked_in, expires)
      WHERE a.id = c.id AND a.id IN (SELECT id FROM free) AND a.health IS NOT DISTINCT FROM c.before::"ApplianceHealth"
        AND a.last_check_in_at IS NOT DISTINCT FROM c.checked_in AND a.license_expires_at IS NOT DISTINCT FROM c.expires
      RETURNING a.id, a.tenant_id AS "tenantId", a.appliance_id AS "applianceId", c.before, c.after,
                a.last_check_in_at AS "lastCheckInAt", a.license_expires_at AS "licenseExpiresAt"`,
    [
      changes.map((c) => c.row.id),
      changes.map((c) => c.row.health),
      changes.map((c) => c.after),
      changes.map((c) => c.row.lastCheckInAt),
      changes.map((c) => c.row.licenseExpiresAt),
      now,
    ],
  );
  return rows;
}

/** The ISO time SQL writes into a notice key (the same text as Date.toISOString). */
const ISO = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const NOT_BLOCKED = `t.status NOT IN ('SUSPENDED', 'CANCELLED')`;

export interface NoticeCandidate {
  key: string;
  tenantId: string;
  companyName: string;
  contactEmail: string;
}

export interface OverdueCandidate extends NoticeCandidate {
  applianceId: string;
  lastCheckInAt: Date | null;
  overdueSince: Date;
  licenseExpiresAt: Date | null;
}

/** Overdue appliances (one notice per overdue episode: the key holds when it became OVERDUE) not yet noticed. */
export async function overdueWithoutNotice(q: Queryable, limit: number): Promise<OverdueCandidate[]> {
  const { rows } = await q.query<OverdueCandidate>(
    `SELECT x.* FROM (
       SELECT 'appliance_overdue:' || a.id || ':' || ${ISO("a.health_changed_at")} AS key, a.tenant_id AS "tenantId", t.company_name AS "companyName",
              t.contact_email AS "contactEmail", a.appliance_id AS "applianceId", a.last_check_in_at AS "lastCheckInAt",
              a.health_changed_at AS "overdueSince", a.license_expires_at AS "licenseExpiresAt"
         FROM appliance a JOIN tenant_registry t ON t.tenant_id = a.tenant_id
        WHERE a.health = 'OVERDUE' AND a.health_changed_at IS NOT NULL AND ${NOT_BLOCKED}) x
      WHERE NOT EXISTS (SELECT 1 FROM notice n WHERE n.key = x.key)
      LIMIT $1`,
    [limit],
  );
  return rows;
}

export interface EntitlementCandidate extends NoticeCandidate {
  entitlementId: string;
  edition: string;
  status: "ACTIVE" | "PAST_DUE";
  validUntil: Date | null;
  pastDueSince: Date | null;
}

/** Current entitlements PAST_DUE (one notice per past-due episode) not yet noticed. */
export async function pastDueWithoutNotice(q: Queryable, limit: number): Promise<EntitlementCandidate[]> {
  return entitlementCandidates(
    q,
    `e.status = 'PAST_DUE' AND e.past_due_since IS NOT NULL`,
    `'entitlement_past_due:' || e.id || ':' || ${ISO("e.past_due_since")}`,
    [limit],
  );
}

/**
 * Current ACTIVE entitlements paid through a date within the horizon and not renewed by a subscription
 * (a Stripe subscription renews by invoice; one that ends is cancelled by its events), not yet noticed
 * for that date.
 */
export async function expiringWithoutNotice(q: Queryable, now: Date, horizon: Date, limit: number): Promise<EntitlementCandidate[]> {
  return entitlementCandidates(
    q,
    `e.status = 'ACTIVE' AND e.stripe_subscription_id IS NULL AND e.valid_until > $2 AND e.valid_until <= $3`,
    `'license_expiring:' || e.id || ':' || ${ISO("e.valid_until")}`,
    [limit, now, horizon],
  );
}

async function entitlementCandidates(q: Queryable, where: string, key: string, params: unknown[]): Promise<EntitlementCandidate[]> {
  // from the few entitlements that qualify to their tenants (the view is then evaluated for those only)
  const { rows } = await q.query<EntitlementCandidate>(
    `SELECT x.* FROM (
       SELECT ${key} AS key, t.tenant_id AS "tenantId", t.company_name AS "companyName", t.contact_email AS "contactEmail",
              e.id AS "entitlementId", e.edition, e.status, e.valid_until AS "validUntil", e.past_due_since AS "pastDueSince"
         FROM entitlement e
         JOIN current_entitlement ce ON ce.tenant_id = e.tenant_id AND ce.entitlement_id = e.id
         JOIN tenant_registry t ON t.tenant_id = e.tenant_id
        WHERE ${where} AND ${NOT_BLOCKED}) x
      WHERE NOT EXISTS (SELECT 1 FROM notice n WHERE n.key = x.key)
      LIMIT $1`,
    params,
  );
  return rows;
}

export interface QueuedNotice {
  key: string;
  /** the notice kind (its email's kind is notice.<kind>) */
  kind: string;
  tenantId: string;
  recipient: string;
  sealedMessage: string;
}

/**
 * Claims each notice's key and queues its email, in the caller's transaction: a key already taken (by
 * another replica, or before a restart) queues nothing. Returns the keys claimed here.
 */
export async function queueNotices(q: Queryable, notices: QueuedNotice[], now: Date): Promise<string[]> {
  if (notices.length === 0) return [];
  const ids = notices.map(() => randomUUID());
  const { rows } = await q.query<{ key: string; emailId: string }>(
    `INSERT INTO notice (key, kind, tenant_id, email_id, created_at)
     SELECT n.key, n.kind, n.tenant_id, n.email_id, $5::timestamptz FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[]) AS n(key, kind, tenant_id, email_id)
     ON CONFLICT (key) DO NOTHING RETURNING key, email_id AS "emailId"`,
    [notices.map((n) => n.key), notices.map((n) => n.kind), notices.map((n) => n.tenantId), ids, now],
  );
  const claimed = new Set(rows.map((r) => r.key));
  const mine = notices.map((n, i) => ({ ...n, id: ids[i]! })).filter((n) => claimed.has(n.key));
  if (mine.length) {
    await q.query(
      `INSERT INTO email_outbox (id, tenant_id, recipient, kind, sealed_message, next_attempt_at, created_at)
       SELECT id, tenant_id, recipient, 'notice.' || kind, sealed, now(), $6 FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[]) AS m(id, tenant_id, recipient, kind, sealed)`,
      [mine.map((n) => n.id), mine.map((n) => n.tenantId), mine.map((n) => n.recipient), mine.map((n) => n.kind), mine.map((n) => n.sealedMessage), now],
    );
  }
  return mine.map((n) => n.key);
}

export interface DarkAppliance {
  id: string;
  tenantId: string;
  applianceId: string;
  darkSince: Date;
}

/** Retires the credentials of appliances DARK since before `cutoff` (still so when written). */
export async function retireDark(q: Queryable, cutoff: Date, limit: number, now: Date): Promise<DarkAppliance[]> {
  const { rows } = await q.query<DarkAppliance>(
    `WITH pick AS (
       SELECT a.id, a.health_changed_at AS dark_since FROM appliance a
        WHERE a.health = 'DARK' AND a.health_changed_at <= $1 AND a.credential_digest IS NOT NULL AND a.credential_revoked_at IS NULL
        ORDER BY a.health_changed_at LIMIT $2 FOR UPDATE SKIP LOCKED)
     UPDATE appliance a SET credential_revoked_at = $3, credential_revoked_reason = 'dark', health = NULL, health_changed_at = $3, updated_at = $3
       FROM pick WHERE a.id = pick.id
     RETURNING a.id, a.tenant_id AS "tenantId", a.appliance_id AS "applianceId", pick.dark_since AS "darkSince"`,
    [cutoff, limit, now],
  );
  return rows;
}

/** Tracked appliances by stored health (null: not judged yet), for /metrics. */
export async function healthCounts(q: Queryable): Promise<Record<ApplianceHealth | "UNJUDGED", number>> {
  const { rows } = await q.query<{ health: ApplianceHealth | null; n: number }>(
    `SELECT a.health, count(*)::int AS n FROM appliance a WHERE ${LICENSED_SQL} GROUP BY a.health`,
  );
  const out = { HEALTHY: 0, OVERDUE: 0, DARK: 0, OFFLINE: 0, UNJUDGED: 0 };
  for (const r of rows) out[r.health ?? "UNJUDGED"] += r.n;
  return out;
}
