// idempotency_key: registerTenant replay records (scoped per API key), with the code kept sealed
// until it can no longer be used.
import type { Queryable } from "../db/sql.js";

export interface IdempotencyRow {
  requestDigest: string;
  tenantId: string;
  installCodeId: string;
  sealedCode: string | null;
  codeExpiresAt: Date;
  codeConsumedAt: Date | null;
  codeRevokedAt: Date | null;
}

export const IDEMPOTENCY_CONSTRAINT = "idempotency_key_scope_key_key";

export async function findIdempotency(q: Queryable, scope: string, key: string): Promise<IdempotencyRow | null> {
  const { rows } = await q.query<IdempotencyRow>(
    `SELECT k.request_digest AS "requestDigest", k.tenant_id AS "tenantId", k.install_code_id AS "installCodeId",
            k.sealed_code AS "sealedCode", c.expires_at AS "codeExpiresAt", c.consumed_at AS "codeConsumedAt",
            c.revoked_at AS "codeRevokedAt"
       FROM idempotency_key k JOIN install_code c ON c.id = k.install_code_id
      WHERE k.scope = $1 AND k.key = $2`,
    [scope, key],
  );
  return rows[0] ?? null;
}

export async function insertIdempotency(
  q: Queryable,
  k: { scope: string; key: string; requestDigest: string; tenantId: string; installCodeId: string; sealedCode: string; now: Date },
): Promise<void> {
  await q.query(
    `INSERT INTO idempotency_key (id, scope, key, request_digest, tenant_id, install_code_id, sealed_code, created_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7)`,
    [k.scope, k.key, k.requestDigest, k.tenantId, k.installCodeId, k.sealedCode, k.now],
  );
}

/** The sealed copy goes once the code can no longer be redeemed. */
export async function wipeSealedCodes(q: Queryable, installCodeIds: string[]): Promise<void> {
  if (installCodeIds.length === 0) return;
  await q.query(`UPDATE idempotency_key SET sealed_code = NULL WHERE install_code_id = ANY($1::uuid[]) AND sealed_code IS NOT NULL`, [installCodeIds]);
}
