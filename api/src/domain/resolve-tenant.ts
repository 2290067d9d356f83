import { findTenant, findTenantsByEmail, type TenantRow } from "../data/tenants.js";
import type { Queryable } from "../db/sql.js";
import { badInput, DomainError } from "./errors.js";
import { requireEmail, requireUuid } from "./validate.js";

/** Finds the one tenant named by exactly one of contactEmail / tenantId. */
export async function resolveTenant(q: Queryable, by: { contactEmail?: string | null; tenantId?: string | null }): Promise<TenantRow> {
  const hasEmail = by.contactEmail != null && by.contactEmail.trim() !== "";
  const hasId = by.tenantId != null && by.tenantId.trim() !== "";
  if (hasEmail === hasId) throw badInput("pass exactly one of contactEmail or tenantId");
  if (hasId) {
    const tenant = await findTenant(q, requireUuid(by.tenantId!, "tenantId"));
    if (!tenant) throw new DomainError("TENANT_NOT_FOUND", "No tenant has this id.");
    return tenant;
  }
  const matches = await findTenantsByEmail(q, requireEmail(by.contactEmail!), 20);
  if (matches.length === 0) throw new DomainError("TENANT_NOT_FOUND", "No tenant has this contact email.");
  if (matches.length > 1) {
    const list = matches.map((t) => `${t.companyName} (${t.id})`).join(", ");
    throw new DomainError("AMBIGUOUS_TENANT", `Several tenants share this contact email: ${list}. Pass tenantId instead.`, {
      tenantIds: matches.map((t) => t.id),
      tenants: matches.map((t) => ({ id: t.id, companyName: t.companyName, createdAt: t.createdAt.toISOString() })),
    });
  }
  return matches[0]!;
}
