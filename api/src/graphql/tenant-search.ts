// The support search over the tenant registry, built to stay flat at millions of rows:
// - the text filter is a case-insensitive substring match served by the trigram (GIN) indexes on
//   company name and contact email; `%`, `_` and `\` in the search are literal, not wildcards;
// - pages are keyset pages on (created_at, tenant_id): a cursor becomes an index range condition, so a
//   page deep in the registry costs what the first page costs (Prisma's own cursor turns into an OR
//   of sub-selects that the planner can only filter, scanning every newer row);
// - totalCount is exact up to COUNT_LIMIT matches and then stops counting (`totalCountCapped`), and a
//   first page that is not full is its own count, so a selective search never runs a count at all.
import { loadTenantPage, plainRelations } from "../data/tenant-page.js";
import type { Queryable } from "../db/sql.js";
import { isUuid } from "../domain/validate.js";
import type { PrismaClient, Prisma } from "../generated/prisma/client.js";
import type { DeploymentType, Edition, TenantStatus } from "../generated/prisma/enums.js";

/** Matches beyond this are not counted: a full count at a million rows costs hundreds of ms per page. */
export const COUNT_LIMIT = 1000;

export interface TenantFilterInput {
  status?: TenantStatus[] | null;
  edition?: Edition[] | null;
  deploymentType?: DeploymentType[] | null;
  search?: string | null;
}

/** The search as a LIKE pattern that matches it literally (backslash is PostgreSQL's default escape). */
export const containsPattern = (search: string) => search.replace(/[\\%_]/g, (c) => `\\${c}`);

function tenantWhere(filter: TenantFilterInput | null | undefined): Prisma.TenantRegistryWhereInput {
  const where: Prisma.TenantRegistryWhereInput = {};
  if (filter?.status?.length) where.status = { in: filter.status };
  if (filter?.edition?.length) where.edition = { in: filter.edition };
  if (filter?.deploymentType?.length) where.deploymentType = { in: filter.deploymentType };
  const search = filter?.search?.trim();
  if (search) {
    const pattern = containsPattern(search);
    where.OR = [{ companyName: { contains: pattern, mode: "insensitive" } }, { contactEmail: { contains: pattern, mode: "insensitive" } }];
  }
  return where;
}

/** What the connection plugin asks for: the relations to load, and a cursor window in Prisma's terms. */
type PageQuery = {
  select?: Prisma.TenantRegistrySelect;
  include?: Prisma.TenantRegistryInclude;
  cursor?: Prisma.TenantRegistryWhereUniqueInput;
  take?: number;
  skip?: number;
};

/**
 * One page of the registry, newest first, in the shape the connection plugin expects from
 * `findMany({ cursor, take, skip })` (take < 0 pages backwards; rows come back in display order).
 * Plain list relations (the support search's page) load in SQL of their own, one statement per
 * relation (data/tenant-page.ts); anything else the plugin asks for runs through Prisma.
 */
export async function tenantPage(services: { prisma: PrismaClient; db: Queryable }, query: PageQuery, filter: TenantFilterInput | null | undefined) {
  const { cursor, take = 20, skip: _skip, ...relations } = query;
  const backward = take < 0;
  if (cursor?.id !== undefined && !isUuid(cursor.id)) return [];
  const plain = plainRelations(relations);
  if (plain) {
    const search = filter?.search?.trim();
    const rows = await loadTenantPage(
      services.db,
      { status: filter?.status, edition: filter?.edition, deploymentType: filter?.deploymentType, pattern: search ? containsPattern(search) : null },
      { cursorId: cursor?.id, take: Math.abs(take), backward },
      plain,
    );
    return rows as unknown as Awaited<ReturnType<PrismaClient["tenantRegistry"]["findMany"]>>;
  }
  const { prisma } = services;
  const where: Prisma.TenantRegistryWhereInput[] = [tenantWhere(filter)];
  if (cursor?.id) {
    const at = await prisma.tenantRegistry.findUnique({ where: { id: cursor.id }, select: { createdAt: true } });
    if (!at) return [];
    // Rows strictly beyond the cursor in display order; the redundant bound on created_at alone is the
    // index range condition (the row-wise tie-break on tenant_id is only a filter at the boundary).
    const beyond = backward ? "gt" : "lt";
    where.push({ createdAt: { [`${beyond}e`]: at.createdAt } }, { OR: [{ createdAt: { [beyond]: at.createdAt } }, { id: { [beyond]: cursor.id } }] });
  }
  const direction = backward ? "asc" : "desc";
  const rows = await prisma.tenantRegistry.findMany({
    ...relations,
    where: { AND: where },
    orderBy: [{ createdAt: direction }, { id: direction }],
    take: Math.abs(take),
  });
  return backward ? rows.reverse() : rows;
}

/**
 * Counts matches up to COUNT_LIMIT + 1 (one more tells that the count was capped), in SQL of its own:
 * Prisma's `count({ take })` adds an ORDER BY that makes PostgreSQL find every match before it stops.
 * The same filter as tenantWhere.
 */
export async function countTenants(db: Queryable, filter: TenantFilterInput | null | undefined): Promise<number> {
  const search = filter?.search?.trim();
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (
       SELECT 1 FROM tenant_registry
        WHERE ($1::"TenantStatus"[] IS NULL OR status = ANY($1))
          AND ($2::"Edition"[] IS NULL OR edition = ANY($2))
          AND ($3::"DeploymentType"[] IS NULL OR deployment_type = ANY($3))
          AND ($4::text IS NULL OR company_name ILIKE $4 OR contact_email ILIKE $4)
        LIMIT $5) matches`,
    [
      filter?.status?.length ? filter.status : null,
      filter?.edition?.length ? filter.edition : null,
      filter?.deploymentType?.length ? filter.deploymentType : null,
      search ? `%${containsPattern(search)}%` : null,
      COUNT_LIMIT + 1,
    ],
  );
  return rows[0]!.n;
}
