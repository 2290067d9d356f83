// DEAD mail: a message the outbox gave up on after MAIL_MAX_ATTEMPTS (or a permanent refusal). An
// admin lists them and, once the cause is fixed (a mailbox, the SMTP relay's policy), sends one
// again: back to PENDING with its attempts reset, in one transaction with its audit event.
import { insertAudit } from "../data/audit.js";
import { findEmail, requeueDeadEmail, type OutboxRow } from "../data/outbox.js";
import { transaction } from "../db/sql.js";
import { DomainError } from "./errors.js";
import type { Actor } from "./principal.js";
import type { Services } from "./services.js";
import { requireUuid } from "./validate.js";

export const DEAD_MAIL_PAGE_MAX = 500;

/** How many DEAD messages to list: default 50, at most DEAD_MAIL_PAGE_MAX (more is refused, not capped). */
export function deadMailPageSize(last: number | null | undefined): number {
  if (last == null) return 50;
  if (!Number.isInteger(last) || last < 1 || last > DEAD_MAIL_PAGE_MAX) {
    throw new DomainError("BAD_USER_INPUT", `last must be between 1 and ${DEAD_MAIL_PAGE_MAX}.`, { field: "last", max: DEAD_MAIL_PAGE_MAX });
  }
  return last;
}

export async function retryDeadMail(s: Services, actor: Actor, input: { id: string }): Promise<OutboxRow> {
  const id = requireUuid(input.id, "id");
  return transaction(s.db, async (tx) => {
    const now = s.clock();
    const before = await findEmail(tx, id);
    if (!before) throw new DomainError("BAD_USER_INPUT", "No email has this id.", { field: "id" });
    const requeued = await requeueDeadEmail(tx, id, now);
    if (!requeued) {
      throw new DomainError(
        "BAD_USER_INPUT",
        before.status === "DEAD" ? "This email's body is gone: it cannot be sent again." : `This email is ${before.status}, not DEAD.`,
        {
          field: "id",
          status: before.status,
        },
      );
    }
    await insertAudit(
      tx,
      actor,
      "email.retried",
      before.tenantId,
      { emailId: id, kind: before.kind, attempts: before.attempts, lastError: before.lastError },
      now,
    );
    return requeued;
  });
}
