import { builder } from "./builder.js";
import { EditionEnum, EntitlementStatusEnum } from "./enums.js";

export const EntitlementType = builder.prismaObject("Entitlement", {
  authScopes: { support: true, admin: true },
  fields: (t) => ({
    id: t.exposeID("id"),
    edition: t.expose("edition", { type: EditionEnum }),
    status: t.expose("status", { type: EntitlementStatusEnum }),
    stripeSubscriptionId: t.exposeString("stripeSubscriptionId", { nullable: true }),
    validUntil: t.expose("validUntil", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});
