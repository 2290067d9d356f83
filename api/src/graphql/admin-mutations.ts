// Admin-only mutations: suspend / reactivate a tenant, revoke an appliance credential, revoke a code.
import { reactivateTenant, revokeApplianceCredential, revokeInstallCode, suspendTenant } from "../domain/admin.js";
import { ApplianceType } from "./appliance.js";
import { builder } from "./builder.js";
import { InstallCodeType } from "./install-code.js";
import { TenantType } from "./tenant.js";

const adminOnly = { authScopes: { admin: true } } as const;

builder.mutationFields((t) => ({
  suspendTenant: t.prismaField({
    ...adminOnly,
    type: TenantType,
    args: { tenantId: t.arg.id({ required: true }), reason: t.arg.string({ required: false }) },
    resolve: async (query, _root, args, ctx) => {
      const tenant = await suspendTenant(ctx.services, ctx, { tenantId: String(args.tenantId), reason: args.reason });
      return ctx.services.prisma.tenantRegistry.findUniqueOrThrow({ ...query, where: { id: tenant.id } });
    },
  }),
  reactivateTenant: t.prismaField({
    ...adminOnly,
    type: TenantType,
    args: { tenantId: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const tenant = await reactivateTenant(ctx.services, ctx, { tenantId: String(args.tenantId) });
      return ctx.services.prisma.tenantRegistry.findUniqueOrThrow({ ...query, where: { id: tenant.id } });
    },
  }),
  revokeApplianceCredential: t.prismaField({
    ...adminOnly,
    type: ApplianceType,
    args: {
      applianceId: t.arg.string({ required: true }),
      tenantId: t.arg.id({ required: false, description: "needed when several tenants have an appliance with this id" }),
    },
    resolve: async (query, _root, args, ctx) => {
      const appliance = await revokeApplianceCredential(ctx.services, ctx, { applianceId: args.applianceId, tenantId: args.tenantId?.toString() });
      return ctx.services.prisma.appliance.findUniqueOrThrow({ ...query, where: { id: appliance.id } });
    },
  }),
  revokeInstallCode: t.prismaField({
    ...adminOnly,
    type: InstallCodeType,
    args: { installCodeId: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const code = await revokeInstallCode(ctx.services, ctx, { installCodeId: String(args.installCodeId) });
      return ctx.services.prisma.installCode.findUniqueOrThrow({ ...query, where: { id: code.id } });
    },
  }),
}));
