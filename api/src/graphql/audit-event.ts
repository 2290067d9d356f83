import { builder } from "./builder.js";

export const AuditEventType = builder.prismaObject("AuditEvent", {
  authScopes: { support: true, admin: true },
  fields: (t) => ({
    id: t.exposeID("id"),
    action: t.exposeString("action"),
    principalType: t.exposeString("principalType"),
    principalId: t.exposeString("principalId", { nullable: true }),
    details: t.expose("details", { type: "JSON" }),
    requestId: t.exposeString("requestId", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});
