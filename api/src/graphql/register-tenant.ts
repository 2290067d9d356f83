import { registerTenant, type RegisterTenantResult } from "../domain/register-tenant.js";
import { builder } from "./builder.js";
import { DeploymentTypeEnum, EditionEnum } from "./enums.js";
import { TenantType } from "./tenant.js";

const RegisterTenantInput = builder.inputType("RegisterTenantInput", {
  fields: (t) => ({
    companyName: t.string({ required: true }),
    contactEmail: t.string({ required: true }),
    edition: t.field({ type: EditionEnum, required: true }),
    deploymentType: t.field({ type: DeploymentTypeEnum, required: false, defaultValue: "APPLIANCE" }),
    stripeCustomerId: t.string({ required: false }),
    stripeSubscriptionId: t.string({ required: false }),
    idempotencyKey: t.string({
      required: false,
      description:
        "Retrying with the same key (and the same input) returns the same tenant and code. Omit it (or send null) for no idempotency; an empty or blank key is BAD_USER_INPUT.",
    }),
  }),
});

const RegisterTenantPayload = builder.objectRef<RegisterTenantResult>("RegisterTenantPayload").implement({
  fields: (t) => ({
    tenantId: t.exposeID("tenantId"),
    installCode: t.exposeString("installCode"),
    installCodeExpiresAt: t.expose("installCodeExpiresAt", { type: "DateTime" }),
    downloadUrl: t.exposeString("downloadUrl"),
    downloadUrlExpiresAt: t.expose("downloadUrlExpiresAt", { type: "DateTime" }),
    replayed: t.exposeBoolean("replayed", { description: "true when this answered a retried idempotencyKey" }),
    tenant: t.prismaField({
      type: TenantType,
      resolve: (query, parent, _args, ctx) => ctx.services.prisma.tenantRegistry.findUniqueOrThrow({ ...query, where: { id: parent.tenantId } }),
    }),
  }),
});

builder.mutationField("registerTenant", (t) =>
  t.field({
    type: RegisterTenantPayload,
    authScopes: { store: true },
    args: { input: t.arg({ type: RegisterTenantInput, required: true }) },
    resolve: (_root, { input }, ctx) => registerTenant(ctx.services, ctx, input),
  }),
);
