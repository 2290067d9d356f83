import type { Prisma } from "../generated/prisma/client.js";
import { principalRef, type Actor } from "./principal.js";

/** Writes the audit event of a mutation; always called inside the mutation's transaction. */
export async function recordAudit(
  tx: Prisma.TransactionClient,
  actor: Actor,
  action: string,
  tenantId: string | null,
  details: Prisma.InputJsonObject = {},
): Promise<void> {
  await tx.auditEvent.create({
    data: { ...principalRef(actor.principal), action, tenantId, details, requestId: actor.requestId },
  });
}
