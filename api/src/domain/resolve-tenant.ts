import type { PrismaClient } from "../generated/prisma/client.js";
import { badInput, DomainError } from "./errors.js";
import { requireEmail, requireUuid } from "./validate.js";

/** Finds the one tenant named by exactly one of contactEmail / tenantId. */
export async function resolveTenant(
  prisma: PrismaClient,
  by: { contactEmail?: string | null; tenantId?: string | null },
) {
  const hasEmail = by.contactEmail != null && by.contactEmail.trim() !== "";
  const hasId = by.tenantId != null && by.tenantId.trim() !== "";
  if (hasEmail === hasId) throw badInput("pass exactly one of contactEmail or tenantId");
  if (hasId) {
    const tenant = await prisma.tenantRegistry.findUnique({ where: { id: requireUuid(by.tenantId!, "tenantId") } });
    if (!tenant) throw new DomainError("TENANT_NOT_FOUND", "No tenant has this id.");
    return tenant;
  }
  const matches = await prisma.tenantRegistry.findMany({
    where: { contactEmail: requireEmail(by.contactEmail!) },
    orderBy: { createdAt: "asc" },
    take: 20,
  });
  if (matches.length === 0) throw new DomainError("TENANT_NOT_FOUND", "No tenant has this contact email.");
  if (matches.length > 1) {
    throw new DomainError("AMBIGUOUS_TENANT", "Several tenants share this contact email: pass tenantId instead.", {
      tenantIds: matches.map((t) => t.id),
    });
  }
  return matches[0]!;
}
