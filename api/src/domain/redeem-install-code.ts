// redeemInstallCode: the install code is the credential. One conditional UPDATE consumes it inside
// the transaction that creates the appliance, so under any concurrency exactly one caller wins.
import type { Edition } from "../generated/prisma/enums.js";
import { isPaid } from "../license/features.js";
import { recordAudit } from "./audit.js";
import { newApplianceCredential } from "./credentials.js";
import { DomainError, type ErrorCode } from "./errors.js";
import { checkInstallCode } from "./install-code-format.js";
import { installCodeDigest } from "./install-code.js";
import type { Actor } from "./principal.js";
import { blockedFor, recordFailure } from "./rate-limit.js";
import type { Services } from "./services.js";
import { isBlocked } from "./tenant-rules.js";
import { requireApplianceId } from "./validate.js";

export interface RedeemResult {
  tenantId: string;
  edition: Edition;
  companyName: string;
  contactEmail: string;
  applianceCredential: string | null;
  firstJwt: string | null;
  checkInUrl: string | null;
  licenseExpiresAt: Date | null;
}

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  INVALID_INSTALL_CODE: "The install code is not valid. Check it for typos, or ask your vendor to re-issue an install code.",
  EXPIRED_INSTALL_CODE: "The install code has expired. Ask your vendor to re-issue an install code.",
  CONSUMED_INSTALL_CODE: "The install code has already been used. Ask your vendor to re-issue an install code.",
  REVOKED_INSTALL_CODE: "The install code was revoked (a newer code was issued). Use the newest code, or ask your vendor to re-issue one.",
  TENANT_SUSPENDED: "This organisation's license is suspended. Contact your vendor.",
};

const codeError = (code: ErrorCode) => new DomainError(code, MESSAGES[code]!);

export async function redeemInstallCode(
  s: Services,
  actor: Actor,
  input: { installCode: string; applianceId: string },
): Promise<RedeemResult> {
  const limitKey = `redeem:${actor.clientAddress}`;
  const retryAfter = await blockedFor(s.prisma, limitKey, s.redeemRateLimit);
  if (retryAfter !== null) {
    s.redemptionOutcome?.("RATE_LIMITED");
    throw new DomainError("RATE_LIMITED", `Too many failed install-code attempts. Try again in ${retryAfter} seconds.`, {
      retryAfterSeconds: retryAfter,
    });
  }
  const applianceId = requireApplianceId(input.applianceId);
  try {
    const result = await consume(s, actor, input.installCode, applianceId);
    s.redemptionOutcome?.("SUCCESS");
    return result;
  } catch (err) {
    if (err instanceof DomainError) {
      s.redemptionOutcome?.(err.code);
      if (err.code !== "BAD_USER_INPUT") await recordFailure(s.prisma, limitKey, s.redeemRateLimit);
    }
    throw err;
  }
}

async function consume(s: Services, actor: Actor, rawCode: string, applianceId: string): Promise<RedeemResult> {
  const check = checkInstallCode(rawCode);
  if (!check.ok) throw codeError("INVALID_INSTALL_CODE");
  const codeDigest = installCodeDigest(s.secret, check.canonical);

  return s.prisma.$transaction(async (tx) => {
    const now = new Date();
    const won = await tx.installCode.updateMany({
      where: { codeDigest, consumedAt: null, revokedAt: null, expiresAt: { gt: now } },
      data: { consumedAt: now, consumedBy: applianceId },
    });
    const code = await tx.installCode.findUnique({
      where: { codeDigest },
      include: { tenant: true, entitlement: true },
    });
    if (won.count !== 1 || !code) {
      // Only reached by the losers and by bad codes; the order matches what the operator must do.
      if (!code) throw codeError("INVALID_INSTALL_CODE");
      if (code.revokedAt) throw codeError("REVOKED_INSTALL_CODE");
      if (code.consumedAt) throw codeError("CONSUMED_INSTALL_CODE");
      throw codeError("EXPIRED_INSTALL_CODE");
    }
    const tenant = code.tenant;
    if (isBlocked(tenant.status)) throw codeError("TENANT_SUSPENDED");

    const edition: Edition =
      code.entitlement && code.entitlement.status === "ACTIVE" ? code.entitlement.edition : "ESSENTIALS";
    const paid = isPaid(edition);
    const credential = paid ? newApplianceCredential() : null;
    const license = paid ? await s.issueLicense({ tenantId: tenant.id, applianceId, edition }) : null;

    // A reinstall reuses the appliance id: the row moves to this code's tenant with a fresh credential.
    const applianceData = {
      tenantId: tenant.id,
      edition,
      credentialDigest: credential?.digest ?? null,
      credentialRevokedAt: null,
      licenseJti: license?.jti ?? null,
      licenseExpiresAt: license?.expiresAt ?? null,
    };
    const appliance = await tx.appliance.upsert({
      where: { applianceId },
      create: { applianceId, ...applianceData },
      update: applianceData,
    });
    await tx.tenantRegistry.update({
      where: { id: tenant.id },
      data: { status: "INSTALLED", installedAt: now },
    });
    await tx.idempotencyKey.updateMany({ where: { installCodeId: code.id }, data: { sealedCode: null } });
    await recordAudit(tx, actor, "install_code.redeemed", tenant.id, {
      installCodeId: code.id,
      applianceId,
      applianceRowId: appliance.id,
      edition,
      licenseJti: license?.jti ?? null,
    });
    return {
      tenantId: tenant.id,
      edition,
      companyName: tenant.companyName,
      contactEmail: tenant.contactEmail,
      applianceCredential: credential?.credential ?? null,
      firstJwt: license?.token ?? null,
      checkInUrl: paid ? `${s.publicUrl}/graphql` : null,
      licenseExpiresAt: license?.expiresAt ?? null,
    };
  });
}
