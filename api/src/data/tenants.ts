// tenant_registry: the global tenant registry.
import type { DeploymentType, Edition, TenantStatus } from "../generated/prisma/enums.js";
import type { Queryable } from "../db/sql.js";

export interface TenantRow {
  id: string;
  companyName: string;
  contactEmail: string;
  edition: Edition;
  deploymentType: DeploymentType;
  status: TenantStatus;
  stripeCustomerId: string | null;
  createdAt: Date;
  installedAt: Date | null;
  lastCheckInAt: Date | null;
  suspendedAt: Date | null;
  revision: number;
}

export const TENANT_COLUMNS = `tenant_id AS id, company_name AS "companyName", contact_email AS "contactEmail", edition,
  deployment_type AS "deploymentType", status, stripe_customer_id AS "stripeCustomerId", created_at AS "createdAt",
  installed_at AS "installedAt", last_check_in_at AS "lastCheckInAt", suspended_at AS "suspendedAt", revision`;

export async function insertTenant(
  q: Queryable,
  t: { companyName: string; contactEmail: string; edition: Edition; deploymentType: DeploymentType; stripeCustomerId: string | null; now: Date },
): Promise<TenantRow> {
  const { rows } = await q.query<TenantRow>(
    `INSERT INTO tenant_registry (tenant_id, company_name, contact_email, edition, deployment_type, stripe_customer_id, created_at, updated_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $6) RETURNING ${TENANT_COLUMNS}`,
    [t.companyName, t.contactEmail, t.edition, t.deploymentType, t.stripeCustomerId, t.now],
  );
  return rows[0]!;
}

export async function findTenant(q: Queryable, id: string): Promise<TenantRow | null> {
  const { rows } = await q.query<TenantRow>(`SELECT ${TENANT_COLUMNS} FROM tenant_registry WHERE tenant_id = $1`, [id]);
  return rows[0] ?? null;
}

/**
 * Locks the tenant row for the rest of the transaction. Every change to a tenant's status, codes,
 * appliances or entitlements takes this lock first, so they serialise per tenant (and never deadlock).
 */
export async function lockTenant(q: Queryable, id: string): Promise<TenantRow | null> {
  const { rows } = await q.query<TenantRow>(`SELECT ${TENANT_COLUMNS} FROM tenant_registry WHERE tenant_id = $1 FOR UPDATE`, [id]);
  return rows[0] ?? null;
}

export async function findTenantsByEmail(q: Queryable, email: string, limit: number): Promise<TenantRow[]> {
  const { rows } = await q.query<TenantRow>(`SELECT ${TENANT_COLUMNS} FROM tenant_registry WHERE contact_email = $1 ORDER BY created_at, tenant_id LIMIT $2`, [
    email,
    limit,
  ]);
  return rows;
}

export async function findTenantByStripeCustomer(q: Queryable, customerId: string): Promise<TenantRow | null> {
  const { rows } = await q.query<TenantRow>(`SELECT ${TENANT_COLUMNS} FROM tenant_registry WHERE stripe_customer_id = $1 ORDER BY created_at DESC LIMIT 1`, [
    customerId,
  ]);
  return rows[0] ?? null;
}

/** Writes a status change (under the tenant lock) and bumps the revision check-ins condition on. */
export async function updateTenantStatus(q: Queryable, id: string, patch: { status: TenantStatus; suspendedAt?: Date | null; now: Date }): Promise<TenantRow> {
  const { rows } = await q.query<TenantRow>(
    `UPDATE tenant_registry SET status = $2, suspended_at = CASE WHEN $3::boolean THEN $4 ELSE suspended_at END,
            revision = revision + 1, updated_at = $5
      WHERE tenant_id = $1 RETURNING ${TENANT_COLUMNS}`,
    [id, patch.status, patch.suspendedAt !== undefined, patch.suspendedAt ?? null, patch.now],
  );
  return rows[0]!;
}

/** A redemption: REGISTERED becomes INSTALLED (a reinstall keeps ACTIVE until the next check-in). */
export async function markInstalled(q: Queryable, id: string, now: Date): Promise<void> {
  await q.query(
    `UPDATE tenant_registry SET status = CASE WHEN status = 'REGISTERED' THEN 'INSTALLED'::"TenantStatus" ELSE status END,
            installed_at = $2, updated_at = $2 WHERE tenant_id = $1`,
    [id, now],
  );
}

/** Entitlement changes alter what a license may say: bump the revision under the tenant lock. */
export async function bumpRevision(q: Queryable, id: string, now: Date): Promise<void> {
  await q.query(`UPDATE tenant_registry SET revision = revision + 1, updated_at = $2 WHERE tenant_id = $1`, [id, now]);
}

export async function setStripeCustomer(q: Queryable, id: string, customerId: string, now: Date): Promise<void> {
  await q.query(`UPDATE tenant_registry SET stripe_customer_id = $2, updated_at = $3 WHERE tenant_id = $1`, [id, customerId, now]);
}

export async function setTenantEdition(q: Queryable, id: string, edition: Edition, now: Date): Promise<void> {
  await q.query(`UPDATE tenant_registry SET edition = $2, updated_at = $3 WHERE tenant_id = $1`, [id, edition, now]);
}
