-- CreateView: the one definition of a tenant's current entitlement (its newest, by created_at then id), read by the typed SQL (api/src/data/entitlements.ts) and by Prisma (view CurrentEntitlement)
-- A lateral LIMIT 1 per tenant, not DISTINCT ON: the planner flattens this view into a join or a tenant_id filter and keeps every use on the primary key and the (tenant_id, created_at) index
CREATE VIEW "current_entitlement" AS
SELECT t."tenant_id", e."id" AS "entitlement_id"
FROM "tenant_registry" t
CROSS JOIN LATERAL (
  SELECT "id" FROM "entitlement"
  WHERE "entitlement"."tenant_id" = t."tenant_id"
  ORDER BY "created_at" DESC, "id" DESC
  LIMIT 1
) e;
