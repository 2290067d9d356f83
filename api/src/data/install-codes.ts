// install_code: only the HMAC digest of a code is stored. live_for_tenant (unique) holds the tenant
// id while a code is neither consumed nor revoked: at most one live code per tenant, by constraint.
import type { Queryable } from "../db/sql.js";

export interface InstallCodeRow {
  id: string;
  tenantId: string;
  entitlementId: string | null;
  expiresAt: Date;
  consumedAt: Date | null;
  consumedBy: string | null;
  revokedAt: Date | null;
  /** HMAC of the redemption key sent with the redemption (null: none was sent) */
  redemptionKeyDigest: string | null;
  /** when the newest replay of the redemption began */
  replayedAt: Date | null;
  createdAt: Date;
}

const COLUMNS = `id, tenant_id AS "tenantId", entitlement_id AS "entitlementId", expires_at AS "expiresAt",
  consumed_at AS "consumedAt", consumed_by AS "consumedBy", revoked_at AS "revokedAt",
  redemption_key_digest AS "redemptionKeyDigest", replayed_at AS "replayedAt", created_at AS "createdAt"`;

export const LIVE_CODE_CONSTRAINT = "install_code_live_for_tenant_key";

export async function insertInstallCode(
  q: Queryable,
  c: { tenantId: string; entitlementId: string | null; codeDigest: string; requestDigest: string | null; expiresAt: Date; now: Date },
): Promise<{ id: string }> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO install_code (id, tenant_id, entitlement_id, code_digest, request_digest, expires_at, live_for_tenant, created_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $6, $4, $1, $5) RETURNING id`,
    [c.tenantId, c.entitlementId, c.codeDigest, c.expiresAt, c.now, c.requestDigest],
  );
  return rows[0]!;
}

export async function findCodeByDigest(q: Queryable, digest: string): Promise<InstallCodeRow | null> {
  const { rows } = await q.query<InstallCodeRow>(`SELECT ${COLUMNS} FROM install_code WHERE code_digest = $1`, [digest]);
  return rows[0] ?? null;
}

/** An offline activation request's code: by the HMAC of the code's request digest (install-code.ts requestDigestOf). */
export async function findCodeByRequestDigest(q: Queryable, digest: string): Promise<InstallCodeRow | null> {
  const { rows } = await q.query<InstallCodeRow>(`SELECT ${COLUMNS} FROM install_code WHERE request_digest = $1`, [digest]);
  return rows[0] ?? null;
}

export async function findCode(q: Queryable, id: string): Promise<InstallCodeRow | null> {
  const { rows } = await q.query<InstallCodeRow>(`SELECT ${COLUMNS} FROM install_code WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/**
 * The single-use point: one conditional update; false when the code is used, revoked or expired. The
 * redemption key's digest is recorded with the winner, so only its holder can replay the redemption.
 */
export async function consumeCode(q: Queryable, id: string, applianceId: string, redemptionKeyDigest: string | null, now: Date): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE install_code SET consumed_at = $3, consumed_by = $2, redemption_key_digest = $4, live_for_tenant = NULL
      WHERE id = $1 AND consumed_at IS NULL AND revoked_at IS NULL AND expires_at > $3`,
    [id, applianceId, now, redemptionKeyDigest],
  );
  return rowCount === 1;
}

/** Records that a replay of the code's redemption began at `now` (under the tenant's lock). */
export async function markReplayed(q: Queryable, id: string, now: Date): Promise<void> {
  await q.query(`UPDATE install_code SET replayed_at = $2 WHERE id = $1`, [id, now]);
}

/** Revokes every unconsumed code of a tenant (re-issue); returns their ids. */
export async function revokeUnconsumedCodes(q: Queryable, tenantId: string, now: Date): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `UPDATE install_code SET revoked_at = $2, live_for_tenant = NULL
      WHERE tenant_id = $1 AND consumed_at IS NULL AND revoked_at IS NULL RETURNING id`,
    [tenantId, now],
  );
  return rows.map((r) => r.id);
}

/** Revokes one unconsumed code; false when it was consumed or already revoked. */
export async function revokeCode(q: Queryable, id: string, now: Date): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE install_code SET revoked_at = $2, live_for_tenant = NULL WHERE id = $1 AND consumed_at IS NULL AND revoked_at IS NULL`,
    [id, now],
  );
  return rowCount === 1;
}
