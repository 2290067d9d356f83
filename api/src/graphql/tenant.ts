// Tenant: registry fields are readable by the store (it gets the tenant back from registerTenant);
// entitlements, codes, appliances and audit trail are support data (support/admin only).
import { isLive } from "../domain/entitlements/states.js";
import { listSize } from "../domain/validate.js";
import { builder } from "./builder.js";
import { EntitlementType } from "./entitlement.js";
import "./entitlement-stripe-events.js";
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
    // entitlements: what support needs to answer "what is this customer licensed for, and since when"
    currentEntitlement: t.prismaField({
      ...supportOnly,
      type: EntitlementType,
      nullable: true,
      description: "The newest entitlement: the one redemption and check-in decide on (null: ESSENTIALS, never paid).",
      // the current_entitlement view: the same definition as the typed SQL (data/entitlements.ts)
      resolve: (query, tenant, _args, ctx) => ctx.services.prisma.entitlement.findFirst({ ...query, where: { currentOf: { is: { tenantId: tenant.id } } } }),
    }),
    seats: t.int({
      ...supportOnly,
      nullable: true,
      description: "Appliances the current entitlement licenses at once (null: no ACTIVE or PAST_DUE entitlement).",
      select: { currentEntitlement: { select: { entitlement: { select: { seats: true, status: true } } } } },
      resolve: (tenant) => {
        const e = tenant.currentEntitlement?.entitlement ?? null;
        return isLive(e) ? e.seats : null;
      },
    }),
    seatsUsed: t.relationCount("appliances", {
      ...supportOnly,
      description: "Licensed appliances: those holding an active credential (essentials appliances have none).",
      where: { credentialDigest: { not: null }, credentialRevokedAt: null },
    }),
    entitlementHistory: t.relation("auditEvents", {
      ...supportOnly,
      description:
        "Entitlement changes (entitlement.granted, .edition_changed, .seats_changed, .extended, .renewed, .past_due, .reinstated, .cancelled…), credentials retired for seats " +
        "and live credentials replaced by a redemption under the same appliance id (appliance.credential_replaced, with the displaced appliance's last check-in and license), newest first. " +
        "details.source says admin or stripe (with the Stripe event id).",
      args: { last: t.arg.int({ required: false, description: "newest N events (default 50, at most 500)" }) },
      query: (args) => ({
        where: { OR: [{ action: { startsWith: "entitlement." } }, { action: { in: ["appliance.credential_retired", "appliance.credential_replaced"] } }] },
        orderBy: { seq: "desc" },
        take: listSize(args.last, "last", 50, 500),
      }),
    }),
    stripeEvents: t.relation("stripeEvents", {
      ...supportOnly,
      args: { last: t.arg.int({ required: false, description: "newest N events (default 20, at most 500)" }) },
      query: (args) => ({ orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: listSize(args.last, "last", 20, 500) }),
    }),
    auditEvents: t.relation("auditEvents", {
      ...supportOnly,
      args: { last: t.arg.int({ required: false, description: "newest N events (default 50, at most 500)" }) },
      query: (args) => ({ orderBy: { seq: "desc" }, take: listSize(args.last, "last", 50, 500) }),
    }),
  }),
});
