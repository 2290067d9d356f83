// Admin actions on tenants, appliances and codes. Each one is a single transaction with its audit event.
import { recordAudit } from "./audit.js";
import { DomainError } from "./errors.js";
import type { Actor } from "./principal.js";
import type { Services } from "./services.js";
import { optionalText, requireUuid } from "./validate.js";

async function tenantOrThrow(s: Services, tenantId: string) {
  const tenant = await s.prisma.tenantRegistry.findUnique({ where: { id: requireUuid(tenantId, "tenantId") } });
  if (!tenant) throw new DomainError("TENANT_NOT_FOUND", "No tenant has this id.");
  return tenant;
}

/** Suspended tenants cannot redeem, check in or get new codes until reactivated. */
export async function suspendTenant(s: Services, actor: Actor, input: { tenantId: string; reason?: string | null }) {
  const tenant = await tenantOrThrow(s, input.tenantId);
  const reason = optionalText(input.reason, "reason", 500);
  if (tenant.status === "SUSPENDED") return tenant;
  return s.prisma.$transaction(async (tx) => {
    const updated = await tx.tenantRegistry.update({
      where: { id: tenant.id },
      data: { status: "SUSPENDED", suspendedAt: new Date() },
    });
    await recordAudit(tx, actor, "tenant.suspended", tenant.id, { previousStatus: tenant.status, reason: reason ?? null });
    return updated;
  });
}

/** Back to the status the tenant's history implies: ACTIVE after a check-in, INSTALLED, or REGISTERED. */
export async function reactivateTenant(s: Services, actor: Actor, input: { tenantId: string }) {
  const tenant = await tenantOrThrow(s, input.tenantId);
  if (tenant.status !== "SUSPENDED") {
    throw new DomainError("BAD_USER_INPUT", `Tenant is ${tenant.status}, not SUSPENDED.`, { field: "tenantId" });
  }
  const status = tenant.lastCheckInAt ? "ACTIVE" : tenant.installedAt ? "INSTALLED" : "REGISTERED";
  return s.prisma.$transaction(async (tx) => {
    const updated = await tx.tenantRegistry.update({ where: { id: tenant.id }, data: { status, suspendedAt: null } });
    await recordAudit(tx, actor, "tenant.reactivated", tenant.id, { status });
    return updated;
  });
}

/** The appliance's credential stops working at once (its next check-in is UNAUTHENTICATED). */
export async function revokeApplianceCredential(s: Services, actor: Actor, input: { applianceId: string }) {
  const appliance = await s.prisma.appliance.findUnique({ where: { applianceId: input.applianceId.trim() } });
  if (!appliance) throw new DomainError("APPLIANCE_NOT_FOUND", "No appliance has this id.");
  if (!appliance.credentialDigest) {
    throw new DomainError("BAD_USER_INPUT", "This appliance has no credential (essentials edition).", { field: "applianceId" });
  }
  if (appliance.credentialRevokedAt) return appliance;
  return s.prisma.$transaction(async (tx) => {
    const updated = await tx.appliance.update({ where: { id: appliance.id }, data: { credentialRevokedAt: new Date() } });
    await recordAudit(tx, actor, "appliance.credential_revoked", appliance.tenantId, { applianceId: appliance.applianceId });
    return updated;
  });
}

/** Revokes one unconsumed code (e.g. sent to the wrong person). */
export async function revokeInstallCode(s: Services, actor: Actor, input: { installCodeId: string }) {
  const id = requireUuid(input.installCodeId, "installCodeId");
  return s.prisma.$transaction(async (tx) => {
    const now = new Date();
    const revoked = await tx.installCode.updateMany({ where: { id, consumedAt: null, revokedAt: null }, data: { revokedAt: now } });
    const code = await tx.installCode.findUnique({ where: { id } });
    if (!code) throw new DomainError("BAD_USER_INPUT", "No install code has this id.", { field: "installCodeId" });
    if (revoked.count === 0) {
      if (code.consumedAt) throw new DomainError("CONSUMED_INSTALL_CODE", "This install code was already redeemed.");
      return code; // already revoked: nothing to do
    }
    await tx.idempotencyKey.updateMany({ where: { installCodeId: id }, data: { sealedCode: null } });
    await recordAudit(tx, actor, "install_code.revoked", code.tenantId, { installCodeId: id });
    return code;
  });
}
