// Admin actions on tenants, appliances and codes. Each is one transaction with its audit event, and
// every tenant status change happens under the tenant's row lock (it serialises with redemptions and
// check-ins, which only write if the tenant's revision is still the one they decided on).
import { findAppliancesById, revokeCredentials, type ApplianceRow } from "../data/appliances.js";
import { insertAudit } from "../data/audit.js";
import { wipeSealedCodes } from "../data/idempotency.js";
import { findCode, revokeCode } from "../data/install-codes.js";
import { lockTenant, updateTenantStatus, type TenantRow } from "../data/tenants.js";
import { transaction } from "../db/sql.js";
import { DomainError } from "./errors.js";
import type { Actor } from "./principal.js";
import type { Services } from "./services.js";
import { optionalText, requireApplianceId, requireUuid } from "./validate.js";

const notFound = () => new DomainError("TENANT_NOT_FOUND", "No tenant has this id.");

/** Suspended tenants cannot redeem, check in or get new codes until reactivated. */
export async function suspendTenant(s: Services, actor: Actor, input: { tenantId: string; reason?: string | null }): Promise<TenantRow> {
  const id = requireUuid(input.tenantId, "tenantId");
  const reason = optionalText(input.reason, "reason", 500) ?? null;
  return transaction(s.db, async (tx) => {
    const now = s.clock();
    const tenant = await lockTenant(tx, id);
    if (!tenant) throw notFound();
    if (tenant.status === "SUSPENDED") return tenant;
    const updated = await updateTenantStatus(tx, id, { status: "SUSPENDED", suspendedAt: now, now });
    await insertAudit(tx, actor, "tenant.suspended", id, { previousStatus: tenant.status, reason }, now);
    return updated;
  });
}

/** Back to the status the tenant's history implies: ACTIVE after a check-in, INSTALLED, or REGISTERED. */
export async function reactivateTenant(s: Services, actor: Actor, input: { tenantId: string }): Promise<TenantRow> {
  const id = requireUuid(input.tenantId, "tenantId");
  return transaction(s.db, async (tx) => {
    const now = s.clock();
    const tenant = await lockTenant(tx, id);
    if (!tenant) throw notFound();
    if (tenant.status !== "SUSPENDED") throw new DomainError("BAD_USER_INPUT", `Tenant is ${tenant.status}, not SUSPENDED.`, { field: "tenantId" });
    const status = tenant.lastCheckInAt ? "ACTIVE" : tenant.installedAt ? "INSTALLED" : "REGISTERED";
    const updated = await updateTenantStatus(tx, id, { status, suspendedAt: null, now });
    await insertAudit(tx, actor, "tenant.reactivated", id, { status }, now);
    return updated;
  });
}

/** The appliance's credential stops working at once (its next check-in is UNAUTHENTICATED). */
export async function revokeApplianceCredential(s: Services, actor: Actor, input: { applianceId: string; tenantId?: string | null }): Promise<ApplianceRow> {
  const applianceId = requireApplianceId(input.applianceId);
  const tenantId = input.tenantId ? requireUuid(input.tenantId, "tenantId") : undefined;
  // appliance ids are unique within a tenant only
  const matches = (await findAppliancesById(s.db, applianceId)).filter((a) => !tenantId || a.tenantId === tenantId);
  if (matches.length === 0) throw new DomainError("APPLIANCE_NOT_FOUND", "No appliance has this id.");
  if (matches.length > 1) {
    throw new DomainError("BAD_USER_INPUT", "Several tenants have an appliance with this id: pass tenantId.", {
      field: "tenantId",
      tenantIds: matches.map((a) => a.tenantId),
    });
  }
  const appliance = matches[0]!;
  if (!appliance.hasCredential) {
    throw new DomainError("BAD_USER_INPUT", "This appliance has no credential (essentials edition).", { field: "applianceId" });
  }
  if (!appliance.credentialActive) return appliance;
  return transaction(s.db, async (tx) => {
    const now = s.clock();
    await lockTenant(tx, appliance.tenantId);
    await revokeCredentials(tx, [appliance.id], "admin", now);
    await insertAudit(tx, actor, "appliance.credential_revoked", appliance.tenantId, { applianceId, reason: "admin" }, now);
    return { ...appliance, credentialActive: false };
  });
}

/** Revokes one unconsumed code (e.g. sent to the wrong person). */
export async function revokeInstallCode(s: Services, actor: Actor, input: { installCodeId: string }): Promise<{ id: string }> {
  const id = requireUuid(input.installCodeId, "installCodeId");
  return transaction(s.db, async (tx) => {
    const now = s.clock();
    const code = await findCode(tx, id);
    if (!code) throw new DomainError("BAD_USER_INPUT", "No install code has this id.", { field: "installCodeId" });
    await lockTenant(tx, code.tenantId);
    if (!(await revokeCode(tx, id, now))) {
      const current = await findCode(tx, id);
      if (current?.consumedAt) throw new DomainError("CONSUMED_INSTALL_CODE", "This install code was already redeemed.");
      return { id }; // already revoked: nothing to do
    }
    await wipeSealedCodes(tx, [id]);
    await insertAudit(tx, actor, "install_code.revoked", code.tenantId, { installCodeId: id }, now);
    return { id };
  });
}
