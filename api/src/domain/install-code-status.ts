// installCodeStatus: what a code would do, without using it — so the console can say "already used"
// or "for another organisation" before the operator types a password. The code is the credential:
// unknown codes answer INVALID_INSTALL_CODE and count against the caller's failure limit like a
// redemption (no guessing oracle); a known code tells its state and whom it belongs to.
import { checkInstallCode } from "@alga-license/contract";
import { currentEntitlement } from "../data/entitlements.js";
import { findCodeByDigest } from "../data/install-codes.js";
import { findTenant } from "../data/tenants.js";
import type { Edition } from "../generated/prisma/enums.js";
import { DomainError, type ErrorCode } from "./errors.js";
import { installCodeDigest } from "./install-code.js";
import { installCodeState, type InstallCodeState } from "./install-code-state.js";
import { isBlocked, licenseTerms } from "./license-terms.js";
import type { Actor } from "./principal.js";
import { withFailureLimit } from "./rate-limit.js";
import type { Services } from "./services.js";

export interface InstallCodeStatus {
  state: InstallCodeState;
  expiresAt: Date;
  tenantId: string;
  companyName: string;
  /** the edition a redemption would install now */
  edition: Edition;
  tenantSuspended: boolean;
}

const INVALID = () =>
  new DomainError("INVALID_INSTALL_CODE", "The install code is not valid. Check it for typos, or ask your vendor to re-issue an install code.");

export async function installCodeStatus(s: Services, actor: Actor, input: { installCode: string }): Promise<InstallCodeStatus> {
  return withFailureLimit(s, `redeem:${actor.clientAddress}`, new Set<ErrorCode>(["INVALID_INSTALL_CODE"]), async () => {
    const check = checkInstallCode(input.installCode);
    if (!check.ok) throw INVALID();
    const code = await findCodeByDigest(s.db, installCodeDigest(s.secret, check.canonical));
    if (!code) throw INVALID();
    const tenant = await findTenant(s.db, code.tenantId);
    if (!tenant) throw INVALID();
    const now = s.clock();
    const terms = licenseTerms(await currentEntitlement(s.db, tenant.id), now, {
      licenseTtlSeconds: s.licenseTtlSeconds,
      graceSeconds: s.entitlements.graceSeconds,
    });
    return {
      state: installCodeState(code, now),
      expiresAt: code.expiresAt,
      tenantId: tenant.id,
      companyName: tenant.companyName,
      edition: terms.kind === "paid" ? terms.edition : "ESSENTIALS",
      tenantSuspended: isBlocked(tenant.status),
    };
  });
}
