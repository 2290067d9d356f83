// Transactional outbox: enqueue inside the caller's transaction; the worker sends later.
import type { ServerSecret } from "../crypto/server-secret.js";
import type { Prisma } from "../generated/prisma/client.js";
import type { RenderedEmail } from "./install-code-email.js";

export async function enqueueEmail(
  tx: Prisma.TransactionClient,
  secret: ServerSecret,
  msg: { tenantId?: string; recipient: string; kind: string; email: RenderedEmail },
): Promise<string> {
  const row = await tx.emailOutbox.create({
    data: {
      tenantId: msg.tenantId,
      recipient: msg.recipient,
      kind: msg.kind,
      sealedMessage: secret.seal(JSON.stringify(msg.email)),
    },
    select: { id: true },
  });
  return row.id;
}
