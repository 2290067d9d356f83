// audit_event: every mutation writes one, inside its own transaction.
import type { Queryable } from "../db/sql.js";
import { principalRef, type Actor } from "../domain/principal.js";

export async function insertAudit(
  q: Queryable,
  actor: Actor,
  action: string,
  tenantId: string | null,
  details: Record<string, unknown>,
  now: Date,
): Promise<void> {
  const { principalType, principalId } = principalRef(actor.principal);
  await q.query(
    `INSERT INTO audit_event (id, principal_type, principal_id, action, tenant_id, details, request_id, created_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7)`,
    [principalType, principalId, action, tenantId, JSON.stringify(details), actor.requestId, now],
  );
}
