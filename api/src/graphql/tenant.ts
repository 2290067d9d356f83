// Tenant: registry fields are readable by the store (it gets the tenant back from registerTenant);
// entitlements, codes, appliances and audit trail are support data (support/admin only).
import { builder } from "./builder.js";
import { DeploymentTypeEnum, EditionEnum, TenantStatusEnum } from "./enums.js";

const supportOnly = { authScopes: { support: true, admin: true } } as const;

export const TenantType = builder.prismaObject("TenantRegistry", {
  name: "Tenant",
  authScopes: { store: true, support: true, admin: true },
  fields: (t) => ({
    id: t.exposeID("id"),
    companyName: t.exposeString("companyName"),
    contactEmail: t.exposeString("contactEmail"),
    edition: t.expose("edition", { type: EditionEnum }),
    deploymentType: t.expose("deploymentType", { type: DeploymentTypeEnum }),
    status: t.expose("status", { type: TenantStatusEnum }),
    stripeCustomerId: t.exposeString("stripeCustomerId", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    installedAt: t.expose("installedAt", { type: "DateTime", nullable: true }),
    lastCheckInAt: t.expose("lastCheckInAt", { type: "DateTime", nullable: true }),
    suspendedAt: t.expose("suspendedAt", { type: "DateTime", nullable: true }),
    entitlements: t.relation("entitlements", { ...supportOnly, query: { orderBy: { createdAt: "desc" } } }),
    installCodes: t.relation("installCodes", { ...supportOnly, query: { orderBy: { createdAt: "desc" } } }),
    appliances: t.relation("appliances", { ...supportOnly, query: { orderBy: { createdAt: "asc" } } }),
    auditEvents: t.relation("auditEvents", {
      ...supportOnly,
      args: { last: t.arg.int({ required: false, description: "newest N events (default 50, at most 500)" }) },
      query: (args) => ({ orderBy: { createdAt: "desc" }, take: Math.min(Math.max(args.last ?? 50, 1), 500) }),
    }),
  }),
});
