// reissueInstallCode (reinstall recovery): revoke unconsumed codes, mint a fresh one for the SAME
// tenant with its current entitlement, fresh ISO link, email queued; one transaction.
import { recordAudit } from "./audit.js";
import { DomainError } from "./errors.js";
import { mintInstallCode } from "./mint-install-code.js";
import type { Actor } from "./principal.js";
import { resolveTenant } from "./resolve-tenant.js";
import type { Services } from "./services.js";
import { currentEntitlement, isBlocked } from "./tenant-rules.js";

export interface ReissueResult {
  tenantId: string;
  installCode: string;
  installCodeExpiresAt: Date;
  downloadUrl: string;
  downloadUrlExpiresAt: Date;
  revokedCodes: number;
}

export async function reissueInstallCode(
  s: Services,
  actor: Actor,
  input: { contactEmail?: string | null; tenantId?: string | null },
): Promise<ReissueResult> {
  const tenant = await resolveTenant(s.prisma, input);
  if (isBlocked(tenant.status)) {
    throw new DomainError("TENANT_SUSPENDED", `Tenant is ${tenant.status.toLowerCase()}: reactivate it before re-issuing a code.`);
  }
  const link = await s.isoLinks.presign();
  const result = await s.prisma.$transaction(async (tx) => {
    const now = new Date();
    const unconsumed = await tx.installCode.findMany({
      where: { tenantId: tenant.id, consumedAt: null, revokedAt: null },
      select: { id: true },
    });
    const revokedIds = unconsumed.map((c) => c.id);
    await tx.installCode.updateMany({ where: { id: { in: revokedIds } }, data: { revokedAt: now } });
    await tx.idempotencyKey.updateMany({ where: { installCodeId: { in: revokedIds } }, data: { sealedCode: null } });
    const entitlement = await currentEntitlement(tx, tenant.id);
    const code = await mintInstallCode(tx, s, tenant, entitlement?.id ?? null, link, true);
    await recordAudit(tx, actor, "install_code.reissued", tenant.id, {
      installCodeId: code.id,
      revokedInstallCodeIds: revokedIds,
      entitlementId: entitlement?.id ?? null,
    });
    return {
      tenantId: tenant.id,
      installCode: code.installCode,
      installCodeExpiresAt: code.installCodeExpiresAt,
      downloadUrl: link.url,
      downloadUrlExpiresAt: link.expiresAt,
      revokedCodes: revokedIds.length,
    };
  });
  s.mailQueued?.();
  return result;
}
