// Support lookups: tenant(id) and the tenants Relay connection (newest first, stable cursors).
import { responsePathAsArray, type GraphQLResolveInfo } from "graphql";
import { DomainError } from "../domain/errors.js";
import { isUuid } from "../domain/validate.js";
import { builder } from "./builder.js";
import type { GraphQLContext as Context } from "./context.js";
import { DeploymentTypeEnum, EditionEnum, TenantStatusEnum } from "./enums.js";
import { TenantType } from "./tenant.js";
import { COUNT_LIMIT, countTenants, tenantPage, type TenantFilterInput } from "./tenant-search.js";

const TenantFilter = builder.inputType("TenantFilter", {
  fields: (t) => ({
    status: t.field({ type: [TenantStatusEnum], required: false }),
    edition: t.field({ type: [EditionEnum], required: false }),
    deploymentType: t.field({ type: [DeploymentTypeEnum], required: false }),
    search: t.string({ required: false, description: "case-insensitive match on company name or contact email" }),
  }),
});

// totalCount and totalCountCapped share one capped count per connection field of a request.
const counts = new WeakMap<Context, Map<string, Promise<number>>>();
const pathKey = (path: GraphQLResolveInfo["path"]) => responsePathAsArray(path).join(".");

function matchCounts(ctx: Context): Map<string, Promise<number>> {
  let m = counts.get(ctx);
  if (!m) counts.set(ctx, (m = new Map()));
  return m;
}

function matchCount(ctx: Context, connectionPath: GraphQLResolveInfo["path"], filter: TenantFilterInput | null | undefined): Promise<number> {
  const m = matchCounts(ctx);
  const key = pathKey(connectionPath);
  let n = m.get(key);
  if (!n) m.set(key, (n = countTenants(ctx.services.db, filter)));
  return n;
}

/** The largest page of Query.tenants: a larger `first` or `last` is refused, never silently cut. */
export const TENANT_PAGE_MAX = 100;

builder.queryFields((t) => ({
  tenant: t.prismaField({
    type: TenantType,
    nullable: true,
    description: "Support/admin. One tenant with its codes (states only), appliances and entitlements; null for an unknown (or malformed) id.",
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
      maxSize: TENANT_PAGE_MAX,
      description:
        `Support/admin. Tenants newest first, a Relay connection: first/after forward, last/before backward (default 20, at most ${TENANT_PAGE_MAX} a page: ` +
        `more is refused with BAD_USER_INPUT). pageInfo.hasNextPage says there is more; totalCount counts every match up to ${COUNT_LIMIT.toLocaleString("en")}.`,
      authScopes: { support: true, admin: true },
      args: { filter: t.arg({ type: TenantFilter, required: false }) },
      resolve: async (query, _root, args, ctx, info) => {
        for (const field of ["first", "last"] as const) {
          const n = args[field];
          if (n != null && n > TENANT_PAGE_MAX) {
            throw new DomainError("BAD_USER_INPUT", `${field} is at most ${TENANT_PAGE_MAX} (a page); page on with pageInfo.endCursor.`, {
              field,
              max: TENANT_PAGE_MAX,
            });
          }
        }
        const rows = await tenantPage(ctx.services, query, args.filter);
        // A first page with room to spare holds every match: it is its own count.
        if (!query.cursor && rows.length < Math.abs(query.take ?? 0)) matchCounts(ctx).set(pathKey(info.path), Promise.resolve(rows.length));
        return rows;
      },
      totalCount: async (_parent, args, ctx, info) => Math.min(COUNT_LIMIT, await matchCount(ctx, info.path, args.filter)),
    },
    {
      name: "TenantConnection",
      fields: (t) => ({
        totalCountCapped: t.boolean({
          description: `true when more than ${COUNT_LIMIT.toLocaleString("en")} tenants match: counting stops there (totalCount is then ${COUNT_LIMIT}); narrow the filter for an exact count.`,
          resolve: async (connection, _args, ctx, info) =>
            (await matchCount(ctx, info.path.prev!, (connection as unknown as { args: { filter?: TenantFilterInput | null } }).args.filter)) > COUNT_LIMIT,
        }),
      }),
    },
    { name: "TenantEdge" },
  ),
}));
