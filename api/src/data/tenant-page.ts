// The support search's page in hand-written SQL: the registry rows of one keyset page, and the plain
// list relations of those rows (entitlements, install codes, appliances) in one statement per relation
// for the whole page. Rows come back in the shapes the Prisma client returns (the model's field names,
// Date, enum strings), so the Pothos Prisma plugin resolves the page's fields from them as it would from
// `findMany({ include })`. Prisma 6's client compiles a query plan for every call (~17–20 ms of CPU per
// search page with relations); these statements cost the CPU of `pg` alone.
import type { Queryable } from "../db/sql.js";
import { getDatamodel } from "../generated/pothos-types.js";
import type { DeploymentType, Edition, TenantStatus } from "../generated/prisma/enums.js";

interface Column {
  field: string;
  column: string;
}

const models = getDatamodel().datamodel.models;
/** Field types whose pg value is the Prisma client's value as it is (text, uuid, int4, bool, timestamptz, enums). */
const PLAIN_TYPES = new Set(["String", "Int", "Boolean", "DateTime"]);
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Every scalar field of a model with its column (the schema maps fields to snake_case columns). */
function scalarColumns(model: string, overrides: Record<string, string> = {}): Column[] | null {
  const fields = models[model]!.fields.filter((f) => f.kind === "scalar" || f.kind === "enum");
  if (fields.some((f) => f.kind === "scalar" && !PLAIN_TYPES.has(f.type))) return null;
  return fields.map((f) => ({ field: f.name, column: overrides[f.name] ?? snake(f.name) }));
}

const selectList = (columns: Column[]) => columns.map((c) => `"${c.column}" AS "${c.field}"`).join(", ");

const TENANT = scalarColumns("TenantRegistry", { id: "tenant_id" })!;
const TENANT_SELECT = selectList(TENANT);

/** The relations loaded here: list relations of the registry whose rows point at it by tenant_id. */
const RELATIONS: Record<string, { model: string; table: string; columns: Column[] | null }> = {
  entitlements: { model: "Entitlement", table: "entitlement", columns: scalarColumns("Entitlement") },
  installCodes: { model: "InstallCode", table: "install_code", columns: scalarColumns("InstallCode") },
  appliances: { model: "Appliance", table: "appliance", columns: scalarColumns("Appliance") },
};

export interface PageFilter {
  status?: TenantStatus[] | null;
  edition?: Edition[] | null;
  deploymentType?: DeploymentType[] | null;
  /** a LIKE pattern (wildcards in the search escaped), matched case-insensitively */
  pattern?: string | null;
}

export interface PageWindow {
  /** the tenant id the page starts beyond (exclusive) */
  cursorId?: string;
  /** rows wanted; backward pages the other way (rows still come back newest first) */
  take: number;
  backward: boolean;
}

type OrderBy = Record<string, "asc" | "desc">;
/** A relation as the plugin asks for it: `true`, or an ordering with a selection of scalar fields. */
export interface RelationQuery {
  orderBy: OrderBy[];
  columns: Column[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The relations of a page query (`include` or `select` as the Pothos Prisma plugin builds it) when
 * they are all plain lists this module loads (ordered, no filter, window or nested relation), else
 * null: the caller runs the query through Prisma as it is.
 */
export function plainRelations(query: { select?: unknown; include?: unknown }): Map<string, RelationQuery> | null {
  const out = new Map<string, RelationQuery>();
  const selection = query.select ?? query.include;
  if (selection === undefined) return out;
  if (!isObject(selection)) return null;
  const tenantFields = new Set(TENANT.map((c) => c.field));
  for (const [name, value] of Object.entries(selection)) {
    if (value === false || value === undefined) continue;
    if (tenantFields.has(name) && value === true && query.select) continue;
    const relation = RELATIONS[name];
    if (!relation?.columns) return null;
    const fields = new Map(relation.columns.map((c) => [c.field, c]));
    if (value === true) {
      out.set(name, { orderBy: [], columns: relation.columns });
      continue;
    }
    if (!isObject(value)) return null;
    const { orderBy, select, include, ...rest } = value;
    if (Object.keys(rest).length > 0) return null;
    if (include !== undefined && !(isObject(include) && Object.values(include).every((v) => v === false))) return null;
    let columns = relation.columns;
    if (select !== undefined) {
      if (!isObject(select)) return null;
      const chosen = Object.entries(select).filter(([, v]) => v !== false);
      if (chosen.some(([k, v]) => v !== true || !fields.has(k))) return null;
      columns = chosen.map(([k]) => fields.get(k)!);
    }
    const orders = orderBy === undefined ? [] : Array.isArray(orderBy) ? orderBy : [orderBy];
    for (const o of orders) {
      if (!isObject(o)) return null;
      for (const [k, dir] of Object.entries(o)) if (!fields.has(k) || (dir !== "asc" && dir !== "desc")) return null;
    }
    out.set(name, { orderBy: orders as OrderBy[], columns });
  }
  return out;
}

/** One keyset page of the registry, newest first (created_at, tenant_id), with the relations asked for. */
export async function loadTenantPage(db: Queryable, filter: PageFilter, window: PageWindow, relations: Map<string, RelationQuery>) {
  const params: unknown[] = [];
  const p = (value: unknown) => `$${params.push(value)}`;
  const where: string[] = [];
  if (filter.status?.length) where.push(`status = ANY(${p(filter.status)}::"TenantStatus"[])`);
  if (filter.edition?.length) where.push(`edition = ANY(${p(filter.edition)}::"Edition"[])`);
  if (filter.deploymentType?.length) where.push(`deployment_type = ANY(${p(filter.deploymentType)}::"DeploymentType"[])`);
  if (filter.pattern) {
    const pattern = p(`%${filter.pattern}%`);
    where.push(`(company_name ILIKE ${pattern} OR contact_email ILIKE ${pattern})`);
  }
  if (window.cursorId !== undefined) {
    // strictly beyond the cursor in display order; the bound on created_at alone is the index range
    // (no row for the cursor: the sub-select is NULL and the page is empty)
    const id = p(window.cursorId);
    const at = `(SELECT created_at FROM tenant_registry WHERE tenant_id = ${id}::uuid)`;
    const beyond = window.backward ? ">" : "<";
    where.push(`created_at ${beyond}= ${at}`, `(created_at ${beyond} ${at} OR tenant_id ${beyond} ${id}::uuid)`);
  }
  const direction = window.backward ? "ASC" : "DESC";
  const { rows } = await db.query<Record<string, unknown> & { id: string }>(
    `SELECT ${TENANT_SELECT} FROM tenant_registry${where.length ? ` WHERE ${where.join(" AND ")}` : ""}
      ORDER BY created_at ${direction}, tenant_id ${direction} LIMIT ${p(window.take)}`,
    params,
  );
  if (window.backward) rows.reverse();
  if (rows.length === 0 || relations.size === 0) return rows;

  const ids = rows.map((r) => r.id);
  const loaded = await Promise.all(
    [...relations].map(async ([name, q]) => {
      const { table } = RELATIONS[name]!;
      const order = q.orderBy.flatMap((o) => Object.entries(o).map(([k, dir]) => `"${snake(k)}" ${dir === "asc" ? "ASC" : "DESC"}`));
      const { rows: children } = await db.query<Record<string, unknown>>(
        `SELECT ${selectList(q.columns)}, tenant_id AS "__parent" FROM ${table} WHERE tenant_id = ANY($1::uuid[])${order.length ? ` ORDER BY ${order.join(", ")}` : ""}`,
        [ids],
      );
      const byParent = new Map<unknown, Record<string, unknown>[]>();
      for (const child of children) {
        const parent = child.__parent;
        delete child.__parent;
        let list = byParent.get(parent);
        if (!list) byParent.set(parent, (list = []));
        list.push(child);
      }
      return [name, byParent] as const;
    }),
  );
  for (const row of rows) for (const [name, byParent] of loaded) row[name] = byParent.get(row.id) ?? [];
  return rows;
}
