// appliance: identified by (tenant, appliance id) — an id is unique within its tenant only — and
// authenticated by the digest of its credential.
import type { ActivationMode, Edition, TenantStatus } from "../generated/prisma/enums.js";
import type { Queryable } from "../db/sql.js";
import { CURRENT_ENTITLEMENT_JOIN, entitlementFromPrefixed, PREFIXED_COLUMNS, type EntitlementRow, type PrefixedEntitlement } from "./entitlements.js";

export interface ApplianceRow {
  id: string;
  applianceId: string;
  tenantId: string;
  edition: Edition;
  hasCredential: boolean;
  credentialActive: boolean;
  licenseJti: string | null;
  licenseExpiresAt: Date | null;
  lastCheckInAt: Date | null;
  reportedVersion: string | null;
  /** the install code whose redemption issued the current credential */
  installCodeId: string | null;
  /** revoked by an admin or for seats (null: active, or no credential) */
  credentialRevokedAt: Date | null;
  activationMode: ActivationMode;
  offlineRenewalDueAt: Date | null;
  /** RFC 7638 thumbprint of the appliance's own key (null: not known) */
  publicKeyThumbprint: string | null;
  createdAt: Date;
}

const COLUMNS = `id, appliance_id AS "applianceId", tenant_id AS "tenantId", edition,
  (credential_digest IS NOT NULL) AS "hasCredential", (credential_digest IS NOT NULL AND credential_revoked_at IS NULL) AS "credentialActive",
  license_jti AS "licenseJti", license_expires_at AS "licenseExpiresAt", last_check_in_at AS "lastCheckInAt",
  reported_version AS "reportedVersion", install_code_id AS "installCodeId", credential_revoked_at AS "credentialRevokedAt",
  activation_mode AS "activationMode", offline_renewal_due_at AS "offlineRenewalDueAt", public_key_thumbprint AS "publicKeyThumbprint", created_at AS "createdAt"`;

/** What authenticating an appliance loads in one statement, reused by checkIn (no second read). */
export interface ApplianceSession {
  applianceRowId: string;
  /** the digest of the credential that authenticated (a reinstall replaces it on the same row) */
  credentialDigest: string;
  applianceId: string;
  tenantId: string;
  applianceEdition: Edition;
  /** thumbprint of the appliance's own key: its licenses are bound to it (null: not known) */
  applianceKeyThumbprint: string | null;
  tenantStatus: TenantStatus;
  tenantRevision: number;
  entitlement: EntitlementRow | null;
}

/** The appliance of an active credential (by its digest, or by row) with its tenant's state and current entitlement. */
export async function findSession(q: Queryable, by: { credentialDigest: string } | { applianceRowId: string }): Promise<ApplianceSession | null> {
  const { rows } = await q.query<Omit<ApplianceSession, "entitlement"> & PrefixedEntitlement>(
    `SELECT a.id AS "applianceRowId", a.credential_digest AS "credentialDigest", a.appliance_id AS "applianceId", a.tenant_id AS "tenantId", a.edition AS "applianceEdition",
            a.public_key_thumbprint AS "applianceKeyThumbprint", t.status AS "tenantStatus", t.revision AS "tenantRevision", ${PREFIXED_COLUMNS}
       FROM appliance a
       JOIN tenant_registry t ON t.tenant_id = a.tenant_id
       ${CURRENT_ENTITLEMENT_JOIN("a.tenant_id")}
      WHERE ${"credentialDigest" in by ? "a.credential_digest = $1" : "a.id = $1"} AND a.credential_digest IS NOT NULL AND a.credential_revoked_at IS NULL`,
    ["credentialDigest" in by ? by.credentialDigest : by.applianceRowId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    applianceRowId: r.applianceRowId,
    credentialDigest: r.credentialDigest,
    applianceId: r.applianceId,
    tenantId: r.tenantId,
    applianceEdition: r.applianceEdition,
    applianceKeyThumbprint: r.applianceKeyThumbprint,
    tenantStatus: r.tenantStatus,
    tenantRevision: r.tenantRevision,
    entitlement: entitlementFromPrefixed(r, r.tenantId),
  };
}

export async function findAppliancesById(q: Queryable, applianceId: string, limit = 20): Promise<ApplianceRow[]> {
  const { rows } = await q.query<ApplianceRow>(`SELECT ${COLUMNS} FROM appliance WHERE appliance_id = $1 ORDER BY created_at LIMIT $2`, [applianceId, limit]);
  return rows;
}

/** An appliance of a tenant by its id. */
export async function findApplianceOf(q: Queryable, tenantId: string, applianceId: string): Promise<ApplianceRow | null> {
  const { rows } = await q.query<ApplianceRow>(`SELECT ${COLUMNS} FROM appliance WHERE tenant_id = $1 AND appliance_id = $2`, [tenantId, applianceId]);
  return rows[0] ?? null;
}

/** An appliance of a tenant by its id, locked (an offline renewal runs under this lock). */
export async function lockApplianceOf(q: Queryable, tenantId: string, applianceId: string): Promise<ApplianceRow | null> {
  const { rows } = await q.query<ApplianceRow>(`SELECT ${COLUMNS} FROM appliance WHERE tenant_id = $1 AND appliance_id = $2 FOR UPDATE`, [
    tenantId,
    applianceId,
  ]);
  return rows[0] ?? null;
}

/** An offline renewal's writes to the appliance row: the new license, when the next renewal is due. */
export async function recordOfflineRenewal(
  q: Queryable,
  a: { id: string; edition: Edition; licenseJti: string; licenseExpiresAt: Date; version: string; now: Date },
): Promise<void> {
  await q.query(
    `UPDATE appliance SET edition = $2, license_jti = $3, license_expires_at = $4, offline_renewal_due_at = $4,
            activation_mode = 'OFFLINE', reported_version = $5, updated_at = $6
      WHERE id = $1`,
    [a.id, a.edition, a.licenseJti, a.licenseExpiresAt, a.version, a.now],
  );
}

export async function findApplianceByRowId(q: Queryable, id: string): Promise<ApplianceRow | null> {
  const { rows } = await q.query<ApplianceRow>(`SELECT ${COLUMNS} FROM appliance WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/**
 * A redemption's appliance, within the code's tenant only: a new row, or (a reinstall of the same
 * tenant's appliance, or a replay of its redemption) the existing row with a fresh credential and
 * license — the digest is replaced, so the credential it held before no longer authenticates.
 */
export async function upsertAppliance(
  q: Queryable,
  a: {
    tenantId: string;
    applianceId: string;
    edition: Edition;
    credentialDigest: string | null;
    licenseJti: string | null;
    licenseExpiresAt: Date | null;
    /** the code being redeemed (null only outside a redemption) */
    installCodeId: string | null;
    /** how it was activated; an offline one's renewal is due when its license runs out */
    activationMode?: ActivationMode;
    offlineRenewalDueAt?: Date | null;
    /** the appliance's own public key (canonical JWK JSON) and thumbprint; a redemption without one forgets the old */
    publicKey?: string | null;
    publicKeyThumbprint?: string | null;
    now: Date;
  },
): Promise<ApplianceRow & { reinstalled: boolean }> {
  const { rows } = await q.query<ApplianceRow & { reinstalled: boolean }>(
    `INSERT INTO appliance AS a (id, tenant_id, appliance_id, edition, credential_digest, license_jti, license_expires_at, install_code_id,
                                 activation_mode, offline_renewal_due_at, public_key, public_key_thumbprint, created_at, updated_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $8, $9, $10, $11, $12, $7, $7)
     ON CONFLICT (tenant_id, appliance_id) DO UPDATE SET
       edition = EXCLUDED.edition, credential_digest = EXCLUDED.credential_digest, credential_revoked_at = NULL,
       credential_revoked_reason = NULL, license_jti = EXCLUDED.license_jti, license_expires_at = EXCLUDED.license_expires_at,
       install_code_id = EXCLUDED.install_code_id, activation_mode = EXCLUDED.activation_mode,
       offline_renewal_due_at = EXCLUDED.offline_renewal_due_at, public_key = EXCLUDED.public_key,
       public_key_thumbprint = EXCLUDED.public_key_thumbprint, updated_at = EXCLUDED.updated_at
     RETURNING ${COLUMNS}, (xmax <> 0) AS reinstalled`,
    [
      a.tenantId,
      a.applianceId,
      a.edition,
      a.credentialDigest,
      a.licenseJti,
      a.licenseExpiresAt,
      a.now,
      a.installCodeId,
      a.activationMode ?? "ONLINE",
      a.offlineRenewalDueAt ?? null,
      a.publicKey ?? null,
      a.publicKeyThumbprint ?? null,
    ],
  );
  return rows[0]!;
}

/**
 * For a redemption's seat count, in one statement: the tenant's row for this appliance id (a reinstall)
 * and its other licensed (active-credential) appliances, oldest check-in first.
 */
export async function seatView(q: Queryable, tenantId: string, applianceId: string): Promise<{ existing: ApplianceRow | null; others: ApplianceRow[] }> {
  const { rows } = await q.query<ApplianceRow>(
    `SELECT ${COLUMNS} FROM appliance
      WHERE tenant_id = $1 AND (appliance_id = $2 OR (credential_digest IS NOT NULL AND credential_revoked_at IS NULL))
      ORDER BY COALESCE(last_check_in_at, created_at), created_at`,
    [tenantId, applianceId],
  );
  return { existing: rows.find((a) => a.applianceId === applianceId) ?? null, others: rows.filter((a) => a.applianceId !== applianceId) };
}

/** Licensed (active-credential) appliances of a tenant other than `exceptRowId`, oldest check-in first. */
export async function otherLicensedAppliances(q: Queryable, tenantId: string, exceptRowId: string | null): Promise<ApplianceRow[]> {
  const { rows } = await q.query<ApplianceRow>(
    `SELECT ${COLUMNS} FROM appliance
      WHERE tenant_id = $1 AND credential_digest IS NOT NULL AND credential_revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2)
      ORDER BY COALESCE(last_check_in_at, created_at), created_at`,
    [tenantId, exceptRowId],
  );
  return rows;
}

export async function revokeCredentials(q: Queryable, rowIds: string[], reason: string, now: Date): Promise<void> {
  if (rowIds.length === 0) return;
  await q.query(
    `UPDATE appliance SET credential_revoked_at = $2, credential_revoked_reason = $3, updated_at = $2
      WHERE id = ANY($1::uuid[]) AND credential_digest IS NOT NULL AND credential_revoked_at IS NULL`,
    [rowIds, now, reason],
  );
}

/**
 * A check-in's writes in one statement. The appliance and tenant rows are locked first and only if the
 * credential that authenticated is still the row's active one (a reinstall replaces it), the tenant is not blocked and its revision is the one the license was
 * decided on; then the tenant records the check-in (REGISTERED/INSTALLED become ACTIVE), the appliance
 * its new license, and the audit event is written. Nothing is written when the lock finds a change.
 */
export async function recordCheckIn(
  q: Queryable,
  c: {
    applianceRowId: string;
    credentialDigest: string;
    tenantId: string;
    revision: number;
    edition: Edition;
    licenseJti: string;
    licenseExpiresAt: Date;
    version: string | null;
    now: Date;
    audit: { principalId: string; requestId: string; details: Record<string, unknown> };
  },
): Promise<boolean> {
  const { rows } = await q.query<{ ok: boolean }>(
    `WITH locked AS (
       SELECT t.tenant_id FROM tenant_registry t JOIN appliance a ON a.tenant_id = t.tenant_id
        WHERE a.id = $1 AND t.tenant_id = $2 AND t.revision = $3 AND t.status NOT IN ('SUSPENDED', 'CANCELLED')
          AND a.credential_digest = $12 AND a.credential_revoked_at IS NULL
        FOR UPDATE OF t, a
     ), tenant AS (
       UPDATE tenant_registry SET status = CASE WHEN status IN ('REGISTERED', 'INSTALLED') THEN 'ACTIVE'::"TenantStatus" ELSE status END,
              last_check_in_at = $8, updated_at = $8
        WHERE tenant_id IN (SELECT tenant_id FROM locked) RETURNING tenant_id
     ), appl AS (
       UPDATE appliance SET edition = $4, license_jti = $5, license_expires_at = $6, last_check_in_at = $8,
              reported_version = COALESCE($7, reported_version), updated_at = $8
        WHERE id = $1 AND tenant_id IN (SELECT tenant_id FROM locked) RETURNING id
     ), audit AS (
       INSERT INTO audit_event (id, principal_type, principal_id, action, tenant_id, details, request_id, created_at)
       SELECT gen_random_uuid(), 'appliance', $9, 'appliance.checked_in', $2, $10, $11, $8 FROM appl
     )
     SELECT EXISTS (SELECT 1 FROM appl) AND EXISTS (SELECT 1 FROM tenant) AS ok`,
    [
      c.applianceRowId,
      c.tenantId,
      c.revision,
      c.edition,
      c.licenseJti,
      c.licenseExpiresAt,
      c.version,
      c.now,
      c.audit.principalId,
      JSON.stringify(c.audit.details),
      c.audit.requestId,
      c.credentialDigest,
    ],
  );
  return rows[0]?.ok === true;
}
