// checkIn: an appliance (authenticated by its credential) gets a re-signed license whose aud stays
// its registry tenant; the registry records the check-in and becomes ACTIVE.
import type { Edition } from "../generated/prisma/enums.js";
import { recordAudit } from "./audit.js";
import { DomainError } from "./errors.js";
import type { Actor } from "./principal.js";
import type { Services } from "./services.js";
import { currentEntitlement, isBlocked } from "./tenant-rules.js";
import { optionalText, requireApplianceId } from "./validate.js";

export interface CheckInResult {
  token: string;
  expiresAt: Date;
  tenantId: string;
  edition: Edition;
}

export async function checkIn(
  s: Services,
  actor: Actor,
  input: { applianceId: string; applianceVersion?: string | null },
): Promise<CheckInResult> {
  const p = actor.principal;
  if (p.kind !== "appliance") throw new DomainError("UNAUTHENTICATED", "checkIn needs the appliance credential as a Bearer token.");
  const applianceId = requireApplianceId(input.applianceId);
  const version = optionalText(input.applianceVersion, "applianceVersion", 64);
  if (applianceId !== p.applianceId) {
    const exists = await s.prisma.appliance.findUnique({ where: { applianceId }, select: { id: true } });
    if (!exists) throw new DomainError("APPLIANCE_NOT_FOUND", "No appliance has this id.");
    throw new DomainError("FORBIDDEN", "This credential belongs to another appliance.");
  }
  const appliance = await s.prisma.appliance.findUnique({ where: { id: p.applianceRowId }, include: { tenant: true } });
  if (!appliance) throw new DomainError("APPLIANCE_NOT_FOUND", "The appliance no longer exists.");
  const tenant = appliance.tenant;
  if (isBlocked(tenant.status)) {
    throw new DomainError("TENANT_SUSPENDED", "This organisation's license is suspended. Contact your vendor.");
  }
  const entitlement = await currentEntitlement(s.prisma, tenant.id);
  const edition: Edition = entitlement?.edition ?? appliance.edition;
  const license = await s.issueLicense({ tenantId: tenant.id, applianceId, edition });

  await s.prisma.$transaction(async (tx) => {
    const now = new Date();
    await tx.appliance.update({
      where: { id: appliance.id },
      data: {
        edition,
        licenseJti: license.jti,
        licenseExpiresAt: license.expiresAt,
        lastCheckInAt: now,
        reportedVersion: version ?? appliance.reportedVersion,
      },
    });
    await tx.tenantRegistry.update({ where: { id: tenant.id }, data: { status: "ACTIVE", lastCheckInAt: now } });
    await recordAudit(tx, actor, "appliance.checked_in", tenant.id, {
      applianceId,
      applianceVersion: version ?? null,
      licenseJti: license.jti,
      edition,
    });
  });
  return { token: license.token, expiresAt: license.expiresAt, tenantId: tenant.id, edition };
}
