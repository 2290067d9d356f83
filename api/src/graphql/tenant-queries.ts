// Support lookups: tenant(id) and the tenants Relay connection (newest first, stable cursors).
import { isUuid } from "../domain/validate.js";
import type { Prisma } from "../generated/prisma/client.js";
import { builder } from "./builder.js";
import { DeploymentTypeEnum, EditionEnum, TenantStatusEnum } from "./enums.js";
import { TenantType } from "./tenant.js";

const TenantFilter = builder.inputType("TenantFilter", {
  fields: (t) => ({
    status: t.field({ type: [TenantStatusEnum], required: false }),
    edition: t.field({ type: [EditionEnum], required: false }),
    deploymentType: t.field({ type: [DeploymentTypeEnum], required: false }),
    search: t.string({ required: false, description: "case-insensitive match on company name or contact email" }),
  }),
});

type Filter = typeof TenantFilter.$inferInput;

export function tenantWhere(filter: Filter | null | undefined): Prisma.TenantRegistryWhereInput {
  const where: Prisma.TenantRegistryWhereInput = {};
  if (filter?.status?.length) where.status = { in: filter.status };
  if (filter?.edition?.length) where.edition = { in: filter.edition };
  if (filter?.deploymentType?.length) where.deploymentType = { in: filter.deploymentType };
  const search = filter?.search?.trim();
  if (search) {
    where.OR = [
      { companyName: { contains: search, mode: "insensitive" } },
      { contactEmail: { contains: search, mode: "insensitive" } },
    ];
  }
  return where;
}

builder.queryFields((t) => ({
  tenant: t.prismaField({
    type: TenantType,
    nullable: true,
    authScopes: { support: true, admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) =>
      isUuid(String(args.id)) ? ctx.services.prisma.tenantRegistry.findUnique({ ...query, where: { id: String(args.id) } }) : null,
  }),
  tenants: t.prismaConnection(
    {
      type: TenantType,
      cursor: "id",
      defaultSize: 20,
      maxSize: 100,
      authScopes: { support: true, admin: true },
      args: { filter: t.arg({ type: TenantFilter, required: false }) },
      resolve: (query, _root, args, ctx) =>
        ctx.services.prisma.tenantRegistry.findMany({
          ...query,
          where: tenantWhere(args.filter),
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        }),
      totalCount: (_parent, args, ctx) => ctx.services.prisma.tenantRegistry.count({ where: tenantWhere(args.filter) }),
    },
    { name: "TenantConnection" },
    { name: "TenantEdge" },
  ),
}));
