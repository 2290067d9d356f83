// Rules about a tenant shared by redemption, re-issue and check-in.
import type { Prisma } from "../generated/prisma/client.js";
import type { TenantStatus } from "../generated/prisma/enums.js";

/** Suspended and cancelled tenants may not redeem, check in or get new codes. */
export const isBlocked = (status: TenantStatus) => status === "SUSPENDED" || status === "CANCELLED";

/** The tenant's current paid entitlement (the newest active one), or null for essentials. */
export function currentEntitlement(db: Prisma.TransactionClient, tenantId: string) {
  return db.entitlement.findFirst({ where: { tenantId, status: "ACTIVE" }, orderBy: { createdAt: "desc" } });
}
