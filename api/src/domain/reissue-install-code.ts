// reissueInstallCode (reinstall recovery, upgrade in place): under the tenant's lock, revoke every
// unconsumed code and mint a fresh one with the current entitlement, fresh ISO link, email queued.
// Parallel re-issues serialise on the lock, and the live-code constraint backs it: one live code.
import { insertAudit } from "../data/audit.js";
import { currentEntitlement } from "../data/entitlements.js";
import { wipeSealedCodes } from "../data/idempotency.js";
import { revokeUnconsumedCodes } from "../data/install-codes.js";
import { lockTenant } from "../data/tenants.js";
import { transaction } from "../db/sql.js";
import { DomainError } from "./errors.js";
import { isBlocked, licenseTerms } from "./license-terms.js";
import { mintInstallCode } from "./mint-install-code.js";
import type { Actor } from "./principal.js";
import { resolveTenant } from "./resolve-tenant.js";
import type { Services } from "./services.js";

export interface ReissueResult {
  tenantId: string;
  installCode: string;
  installCodeExpiresAt: Date;
  downloadUrl: string;
  downloadUrlExpiresAt: Date;
  revokedCodes: number;
}

export async function reissueInstallCode(s: Services, actor: Actor, input: { contactEmail?: string | null; tenantId?: string | null }): Promise<ReissueResult> {
  const found = await resolveTenant(s.db, input);
  const link = await s.isoLinks.presign();
  const result = await transaction(s.db, async (tx) => {
    const now = s.clock();
    const tenant = await lockTenant(tx, found.id);
    if (!tenant) throw new DomainError("TENANT_NOT_FOUND", "No tenant has this id.");
    if (isBlocked(tenant.status)) {
      throw new DomainError("TENANT_SUSPENDED", `Tenant is ${tenant.status.toLowerCase()}: reactivate it before re-issuing a code.`);
    }
    const revokedIds = await revokeUnconsumedCodes(tx, tenant.id, now);
    await wipeSealedCodes(tx, revokedIds);
    const terms = licenseTerms(await currentEntitlement(tx, tenant.id), now, {
      licenseTtlSeconds: s.licenseTtlSeconds,
      graceSeconds: s.entitlements.graceSeconds,
    });
    const grant = terms.kind === "paid" ? { edition: terms.edition, entitlementId: terms.entitlementId } : { edition: "ESSENTIALS", entitlementId: null };
    const code = await mintInstallCode(tx, s, tenant, grant, link, true, now);
    await insertAudit(
      tx,
      actor,
      "install_code.reissued",
      tenant.id,
      { installCodeId: code.id, revokedInstallCodeIds: revokedIds, entitlementId: grant.entitlementId, edition: grant.edition },
      now,
    );
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
