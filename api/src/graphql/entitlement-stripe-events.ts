// Stripe webhook events as processed (ids and outcomes only, never payloads): support checks that a
// payment or cancellation arrived and what it did; unmatched ones name a customer the registry lacks.
import { listSize } from "../domain/validate.js";
import { builder } from "./builder.js";

export const StripeEventType = builder.prismaObject("StripeEvent", {
  authScopes: { support: true, admin: true },
  fields: (t) => ({
    id: t.exposeID("id", { description: "Stripe's event id (evt_…)" }),
    type: t.exposeString("type"),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "Stripe's time of the event" }),
    receivedAt: t.expose("receivedAt", { type: "DateTime" }),
    outcome: t.exposeString("outcome", {
      description:
        "applied (changed or bound the tenant's entitlement), ignored (not about licensing), stale (older than a later subscription event already applied), unmatched (no tenant for its subscription, metadata.tenant_id or customer)",
    }),
    tenantId: t.exposeID("tenantId", { nullable: true }),
  }),
});

builder.queryField("stripeEvents", (t) =>
  t.prismaField({
    type: [StripeEventType],
    authScopes: { support: true, admin: true },
    description: "Newest Stripe webhook events first, optionally of one outcome (e.g. unmatched).",
    args: {
      outcome: t.arg.string({ required: false }),
      last: t.arg.int({ required: false, description: "default 50, at most 500" }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.services.prisma.stripeEvent.findMany({
        ...query,
        where: args.outcome ? { outcome: args.outcome } : {},
        orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
        take: listSize(args.last, "last", 50, 500),
      }),
  }),
);
