// DEAD mail for admins: the messages the outbox gave up on, and sending one again (audited).
import { deadMailPageSize, DEAD_MAIL_PAGE_MAX, retryDeadMail } from "../domain/dead-mail.js";
import { builder } from "./builder.js";

const adminOnly = { authScopes: { admin: true } } as const;

export const OutboxEmailType = builder.prismaObject("EmailOutbox", {
  name: "OutboxEmail",
  authScopes: { admin: true },
  description: "A message of the mail outbox (never its body).",
  fields: (t) => ({
    id: t.exposeID("id"),
    tenantId: t.exposeID("tenantId", { nullable: true }),
    recipient: t.exposeString("recipient"),
    kind: t.exposeString("kind", { description: "what it is, e.g. install-code" }),
    status: t.string({ description: "PENDING (to be sent), SENT, or DEAD (given up on)", resolve: (e) => e.status }),
    attempts: t.exposeInt("attempts"),
    lastError: t.exposeString("lastError", { nullable: true, description: "the mail service's last refusal" }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    nextAttemptAt: t.expose("nextAttemptAt", { type: "DateTime", description: "PENDING: when it is sent next" }),
  }),
});

builder.queryField("deadMail", (t) =>
  t.prismaField({
    ...adminOnly,
    type: [OutboxEmailType],
    description: `Admin. Messages the outbox gave up on (DEAD), newest first; retryDeadMail sends one again.`,
    args: { last: t.arg.int({ required: false, description: `default 50, at most ${DEAD_MAIL_PAGE_MAX} (more is refused)` }) },
    resolve: (query, _root, args, ctx) =>
      ctx.services.prisma.emailOutbox.findMany({
        ...query,
        where: { status: "DEAD" },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: deadMailPageSize(args.last),
      }),
  }),
);

const RetryDeadMailInput = builder.inputType("RetryDeadMailInput", {
  fields: (t) => ({ id: t.id({ required: true, description: "the OutboxEmail's id (from deadMail)" }) }),
});

builder.mutationField("retryDeadMail", (t) =>
  t.prismaField({
    ...adminOnly,
    type: OutboxEmailType,
    description: "Admin. A DEAD message back to PENDING with its attempts reset: the outbox sends it at once. Audited (email.retried).",
    args: { input: t.arg({ type: RetryDeadMailInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const row = await retryDeadMail(ctx.services, ctx, { id: String(input.id) });
      return ctx.services.prisma.emailOutbox.findUniqueOrThrow({ ...query, where: { id: row.id } });
    },
  }),
);
