// redeemInstallCode: the install code is the credential. Under the tenant's row lock, one conditional
// update consumes it and the appliance (scoped to the code's tenant) is created or reinstalled, so
// under any concurrency exactly one caller wins and a suspension cannot slip in between. The license
// is signed after the commit, from claims the transaction recorded (nothing slow holds a lock).
import { randomUUID } from "node:crypto";
import { checkInstallCode } from "@alga-license/contract";
import { revokeCredentials, seatView, upsertAppliance } from "../data/appliances.js";
import { insertAudit } from "../data/audit.js";
import { currentEntitlement } from "../data/entitlements.js";
import { wipeSealedCodes } from "../data/idempotency.js";
import { consumeCode, findCode, findCodeByDigest, type InstallCodeRow } from "../data/install-codes.js";
import { lockTenant, markInstalled } from "../data/tenants.js";
import { transaction } from "../db/sql.js";
import type { Edition } from "../generated/prisma/enums.js";
import { newApplianceCredential } from "./credentials.js";
import { DomainError, type ErrorCode } from "./errors.js";
import { installCodeDigest } from "./install-code.js";
import { isBlocked, licenseTerms } from "./license-terms.js";
import type { Actor } from "./principal.js";
import { withFailureLimit } from "./rate-limit.js";
import type { Services } from "./services.js";
import { requireApplianceId, requireUuid } from "./validate.js";

export interface RedeemResult {
  tenantId: string;
  edition: Edition;
  companyName: string;
  contactEmail: string;
  applianceCredential: string | null;
  firstJwt: string | null;
  checkInUrl: string | null;
  licenseExpiresAt: Date | null;
  /** true when this appliance id was already installed for the tenant (a reinstall) */
  reinstalled: boolean;
  /** appliance ids whose credentials were retired to stay within the entitlement's seats */
  retiredApplianceIds: string[];
}

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  INVALID_INSTALL_CODE: "The install code is not valid. Check it for typos, or ask your vendor to re-issue an install code.",
  EXPIRED_INSTALL_CODE: "The install code has expired. Ask your vendor to re-issue an install code.",
  CONSUMED_INSTALL_CODE: "The install code has already been used. Ask your vendor to re-issue an install code.",
  REVOKED_INSTALL_CODE: "The install code was revoked (a newer code was issued). Use the newest code, or ask your vendor to re-issue one.",
  TENANT_SUSPENDED: "This organisation's license is suspended. Contact your vendor.",
};

const codeError = (code: ErrorCode) => new DomainError(code, MESSAGES[code]!);

/** Refusals that are guesses at a code count against the caller's failure limit; others do not. */
const COUNTS_AS_FAILURE = new Set<ErrorCode>(["INVALID_INSTALL_CODE", "EXPIRED_INSTALL_CODE", "CONSUMED_INSTALL_CODE", "REVOKED_INSTALL_CODE"]);

/** Why an unusable code cannot be redeemed, in the order that matches what the operator must do. */
function refusal(code: InstallCodeRow | null, now: Date): DomainError {
  if (!code) return codeError("INVALID_INSTALL_CODE");
  if (code.revokedAt) return codeError("REVOKED_INSTALL_CODE");
  if (code.consumedAt) return codeError("CONSUMED_INSTALL_CODE");
  if (code.expiresAt <= now) return codeError("EXPIRED_INSTALL_CODE");
  return codeError("INVALID_INSTALL_CODE");
}

export interface RedeemInput {
  installCode: string;
  applianceId: string;
  /** connect (upgrade in place): the code must belong to this tenant, else nothing is consumed */
  tenantId?: string | null;
}

export async function redeemInstallCode(s: Services, actor: Actor, input: RedeemInput): Promise<RedeemResult> {
  const applianceId = requireApplianceId(input.applianceId);
  const expectedTenant = input.tenantId ? requireUuid(input.tenantId, "tenantId") : undefined;
  try {
    const result = await withFailureLimit(s, `redeem:${actor.clientAddress}`, COUNTS_AS_FAILURE, () => consume(s, actor, input.installCode, applianceId, expectedTenant));
    s.redemptionOutcome?.("SUCCESS");
    return result;
  } catch (err) {
    s.redemptionOutcome?.(err instanceof DomainError ? err.code : "ERROR");
    throw err;
  }
}

async function consume(s: Services, actor: Actor, rawCode: string, applianceId: string, expectedTenant: string | undefined): Promise<RedeemResult> {
  const check = checkInstallCode(rawCode);
  if (!check.ok) throw codeError("INVALID_INSTALL_CODE");
  const now = s.clock();
  // Unknown and unusable codes are answered without a lock (losers of a burst do not queue).
  const found = await findCodeByDigest(s.db, installCodeDigest(s.secret, check.canonical));
  if (!found || found.revokedAt || found.consumedAt || found.expiresAt <= now) throw refusal(found, now);
  if (expectedTenant && found.tenantId !== expectedTenant) {
    throw new DomainError(
      "BAD_USER_INPUT",
      `This install code belongs to another organisation than this appliance's (tenant ${expectedTenant}); it was not used. Ask your vendor for a code for this organisation.`,
      { field: "installCode", reason: "OTHER_TENANT" },
    );
  }

  const credential = newApplianceCredential();
  const jti = randomUUID();
  const done = await transaction(s.db, async (tx) => {
    const tenant = await lockTenant(tx, found.tenantId);
    if (!tenant) throw codeError("INVALID_INSTALL_CODE");
    if (isBlocked(tenant.status)) throw codeError("TENANT_SUSPENDED");
    if (!(await consumeCode(tx, found.id, applianceId, now))) throw refusal(await findCode(tx, found.id), now);

    // Read after the lock, in a statement of its own: a statement that waited for the lock sees only
    // the locked row re-read, so a joined entitlement would be the one from before the wait.
    const terms = licenseTerms(await currentEntitlement(tx, tenant.id), now, {
      licenseTtlSeconds: s.licenseTtlSeconds,
      graceSeconds: s.entitlements.graceSeconds,
    });
    const paid = terms.kind === "paid" ? terms : null;
    let retired: { id: string; applianceId: string }[] = [];
    if (paid) {
      // Seats: this appliance plus the other licensed ones may not exceed the entitlement's seats.
      const { others } = await seatView(tx, tenant.id, applianceId);
      const overflow = others.length + 1 - paid.seats;
      if (overflow > 0) {
        if (s.entitlements.seatOverflow === "refuse") {
          throw new DomainError(
            "SEAT_LIMIT_REACHED",
            `All ${paid.seats} licensed appliance seat(s) of this organisation are in use. Ask your vendor to retire an appliance or add seats; the install code was not used.`,
            { seats: paid.seats },
          );
        }
        retired = others.slice(0, overflow);
        await revokeCredentials(tx, retired.map((a) => a.id), "seat-limit", now);
        for (const a of retired) {
          await insertAudit(tx, actor, "appliance.credential_retired", tenant.id, { applianceId: a.applianceId, reason: "seat-limit", seats: paid.seats, replacedBy: applianceId }, now);
        }
      }
    }
    const appliance = await upsertAppliance(tx, {
      tenantId: tenant.id,
      applianceId,
      edition: paid ? paid.edition : "ESSENTIALS",
      credentialDigest: paid ? credential.digest : null,
      licenseJti: paid ? jti : null,
      licenseExpiresAt: paid ? paid.expiresAt : null,
      now,
    });
    await markInstalled(tx, tenant.id, now);
    await wipeSealedCodes(tx, [found.id]);
    await insertAudit(
      tx,
      actor,
      "install_code.redeemed",
      tenant.id,
      {
        installCodeId: found.id,
        applianceId,
        applianceRowId: appliance.id,
        reinstalled: appliance.reinstalled,
        edition: appliance.edition,
        licenseJti: paid ? jti : null,
        ...(terms.kind === "lapsed" ? { entitlementLapsed: terms.reason } : {}),
      },
      now,
    );
    return { tenant, paid, reinstalled: appliance.reinstalled, retired };
  });

  const { tenant, paid } = done;
  const firstJwt = paid
    ? await s.signLicense({ tenantId: tenant.id, applianceId, edition: paid.edition, jti, issuedAt: now, expiresAt: paid.expiresAt })
    : null;
  return {
    tenantId: tenant.id,
    edition: paid ? paid.edition : "ESSENTIALS",
    companyName: tenant.companyName,
    contactEmail: tenant.contactEmail,
    applianceCredential: paid ? credential.credential : null,
    firstJwt,
    checkInUrl: paid ? `${s.publicUrl()}/graphql` : null,
    licenseExpiresAt: paid ? paid.expiresAt : null,
    reinstalled: done.reinstalled,
    retiredApplianceIds: done.retired.map((a) => a.applianceId),
  };
}
