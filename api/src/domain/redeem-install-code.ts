// redeemInstallCode: the install code is the credential. Under the tenant's row lock, one conditional
// update consumes it and the appliance (scoped to the code's tenant) is created or reinstalled, so
// under any concurrency exactly one caller wins and a suspension cannot slip in between. The license
// is signed after the commit, from claims the transaction recorded (nothing slow holds a lock).
// A redemption whose answer was lost is replayed to its own appliance (same code, appliance id and
// redemption key; redemption-replay.ts): a fresh credential and license on the same row, under the
// same lock, so the credential of the lost answer is dead and replays serialise with everything else.
// An offline activation (offline-activation.ts) consumes its code through this same path: it names the
// code by the request digest instead, binds the appliance key, and records its nonce under the lock.
import { randomUUID } from "node:crypto";
import { checkInstallCode } from "@alga-license/contract";
import { revokeCredentials, seatView, upsertAppliance, type ApplianceRow } from "../data/appliances.js";
import { insertAudit } from "../data/audit.js";
import { currentEntitlement } from "../data/entitlements.js";
import { wipeSealedCodes } from "../data/idempotency.js";
import { consumeCode, findCode, findCodeByDigest, findCodeByRequestDigest, markReplayed, type InstallCodeRow } from "../data/install-codes.js";
import { lockTenant, markInstalled } from "../data/tenants.js";
import { transaction, type Queryable } from "../db/sql.js";
import type { ActivationMode, Edition } from "../generated/prisma/enums.js";
import { newApplianceCredential } from "./credentials.js";
import { DomainError, type ErrorCode } from "./errors.js";
import { installCodeDigest, requestDigestOf } from "./install-code.js";
import { isBlocked, licenseTerms } from "./license-terms.js";
import type { Actor } from "./principal.js";
import { withFailureLimit } from "./rate-limit.js";
import { holdsRedemption, MAX_REDEMPTION_KEY_LENGTH, redemptionKeyDigest, replayable, type ReplayCaller } from "./redemption-replay.js";
import type { Services } from "./services.js";
import { parseApplianceKey, type ApplianceKey } from "./appliance-key.js";
import { requireApplianceId, requireText, requireUuid } from "./validate.js";

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
  /** true when this answer replays an earlier redemption of the code by the same appliance and key */
  replayed: boolean;
}

/** What an offline activation's response needs beyond the online answer. */
export interface Redeemed extends RedeemResult {
  /** when the code was consumed (a replay: the original redemption) */
  redeemedAt: Date;
  licenseJti: string | null;
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
  /** the appliance's secret for this redemption: the same code + appliance id + key replays it */
  redemptionKey?: string | null;
  /** the appliance's public key (JWK JSON): stored on its row, and its licenses are bound to it (cnf.jkt) */
  applianceKey?: string | null;
}

export interface Redemption {
  /** the code as typed (online), or the HMAC of the request digest an offline request file carries */
  code: { raw: string } | { requestDigest: string };
  applianceId: string;
  expectedTenant: string | undefined;
  redemptionKey: string | undefined;
  applianceKey: ApplianceKey | undefined;
  mode: ActivationMode;
  /** runs under the tenant's lock before the code is consumed (an offline activation records its nonce) */
  underLock?: (tx: Queryable, tenantId: string) => Promise<void>;
  /** what the audit event adds (an offline activation: its request) */
  auditDetails?: Record<string, unknown>;
}

export async function redeemInstallCode(s: Services, actor: Actor, input: RedeemInput): Promise<RedeemResult> {
  const r: Redemption = {
    code: { raw: input.installCode },
    applianceId: requireApplianceId(input.applianceId),
    expectedTenant: input.tenantId ? requireUuid(input.tenantId, "tenantId") : undefined,
    // sent or not: an empty or blank key is a mistake of the caller, not "no key"
    redemptionKey: input.redemptionKey == null ? undefined : requireText(input.redemptionKey, "redemptionKey", MAX_REDEMPTION_KEY_LENGTH),
    applianceKey: input.applianceKey == null ? undefined : await parseApplianceKey(input.applianceKey),
    mode: "ONLINE",
  };
  const { redeemedAt: _at, licenseJti: _jti, ...result } = await redeem(s, actor, r);
  return result;
}

/**
 * The one redemption path (online and offline): failure limit per client address, the consumption
 * under the tenant's lock, the outcome metric.
 */
export async function redeem(s: Services, actor: Actor, r: Redemption): Promise<Redeemed> {
  try {
    const result = await withFailureLimit(s, `redeem:${actor.clientAddress}`, COUNTS_AS_FAILURE, () => consume(s, actor, r));
    s.redemptionOutcome?.(result.replayed ? "REPLAYED" : "SUCCESS");
    return result;
  } catch (err) {
    s.redemptionOutcome?.(err instanceof DomainError ? err.code : "ERROR");
    throw err;
  }
}

/** The code's row: by its digest (typed) or by its request digest (offline request file). */
async function lookUp(s: Services, code: Redemption["code"]): Promise<InstallCodeRow | null> {
  if ("requestDigest" in code) return findCodeByRequestDigest(s.db, requestDigestOf(s.secret, code.requestDigest));
  const check = checkInstallCode(code.raw);
  if (!check.ok) throw codeError("INVALID_INSTALL_CODE");
  return findCodeByDigest(s.db, installCodeDigest(s.secret, check.canonical));
}

const redeemable = (code: InstallCodeRow, now: Date) => !code.revokedAt && !code.consumedAt && code.expiresAt > now;

async function consume(s: Services, actor: Actor, r: Redemption): Promise<Redeemed> {
  const { applianceId, expectedTenant } = r;
  const now = s.clock();
  // Unknown and unusable codes are answered without a lock (losers of a burst do not queue); a used
  // code goes on only for the holder of its redemption's key.
  const found = await lookUp(s, r.code);
  if (!found) throw codeError("INVALID_INSTALL_CODE");
  const caller: ReplayCaller = { applianceId, keyDigest: r.redemptionKey ? redemptionKeyDigest(s.secret, found.id, r.redemptionKey) : null };
  if (!redeemable(found, now) && !replayable(found, caller, now)) throw refusal(found, now);
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
    await r.underLock?.(tx, tenant.id);
    // the code as the lock sees it: consumed now by this caller, or a redemption it may replay
    let replayOf: InstallCodeRow | null = null;
    if (!(await consumeCode(tx, found.id, applianceId, caller.keyDigest, now))) {
      const current = await findCode(tx, found.id);
      if (!current || !replayable(current, caller, now)) throw refusal(current, now);
      replayOf = current;
    }
    // this appliance id's row in the tenant (a reinstall or a replay) and the other licensed ones
    const { existing, others } = await seatView(tx, tenant.id, applianceId);
    if (replayOf && !holdsRedemption(existing, found.id)) throw codeError("CONSUMED_INSTALL_CODE");

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
        await insertAudit(
          tx,
          actor,
          "seat_limit.reached",
          tenant.id,
          { seats: paid.seats, applianceId, outcome: "retired-oldest", retiredApplianceIds: retired.map((a) => a.applianceId) },
          now,
        );
        await revokeCredentials(
          tx,
          retired.map((a) => a.id),
          "seat-limit",
          now,
        );
        for (const a of retired) {
          await insertAudit(
            tx,
            actor,
            "appliance.credential_retired",
            tenant.id,
            { applianceId: a.applianceId, reason: "seat-limit", seats: paid.seats, replacedBy: applianceId },
            now,
          );
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
      installCodeId: found.id,
      activationMode: r.mode,
      publicKey: r.applianceKey?.json ?? null,
      publicKeyThumbprint: r.applianceKey?.jkt ?? null,
      offlineRenewalDueAt: r.mode === "OFFLINE" && paid ? paid.expiresAt : null,
      now,
    });
    const licenseJti = paid ? jti : null;
    const lapsed = terms.kind === "lapsed" ? { entitlementLapsed: terms.reason } : {};
    const extra = { ...(r.applianceKey ? { applianceKeyThumbprint: r.applianceKey.jkt } : {}), ...r.auditDetails };
    if (replayOf) {
      await markReplayed(tx, found.id, now);
      await insertAudit(
        tx,
        actor,
        "install_code.redemption_replayed",
        tenant.id,
        {
          installCodeId: found.id,
          applianceId,
          applianceRowId: appliance.id,
          edition: appliance.edition,
          licenseJti,
          redeemedAt: replayOf.consumedAt,
          // the lost answer's credential and license, now replaced on the same row
          replacedLicenseJti: existing!.licenseJti,
          replacedLicenseExpiresAt: existing!.licenseExpiresAt,
          lastCheckInAt: existing!.lastCheckInAt,
          ...lapsed,
          ...extra,
        },
        now,
      );
      // the lost answer's value: the row was created by that redemption unless it existed before
      return { tenant, paid, reinstalled: existing!.createdAt < replayOf.consumedAt!, retired, replayed: true, redeemedAt: replayOf.consumedAt! };
    }
    if (existing?.credentialActive) await auditDisplaced(tx, actor, existing, found.id, appliance.edition, licenseJti, now);
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
        licenseJti,
        ...lapsed,
        ...extra,
      },
      now,
    );
    return { tenant, paid, reinstalled: appliance.reinstalled, retired, replayed: false, redeemedAt: now };
  }).catch(async (err: unknown) => {
    // a refusal for seats writes nothing of the redemption; that the limit was met is still recorded
    // (audit seat_limit.reached, and its event) in a transaction of its own
    if (err instanceof DomainError && err.code === "SEAT_LIMIT_REACHED") {
      await transaction(s.db, (tx) =>
        insertAudit(tx, actor, "seat_limit.reached", found.tenantId, { seats: err.details.seats, applianceId, outcome: "refused" }, now),
      );
    }
    throw err;
  });

  const { tenant, paid } = done;
  const firstJwt = paid
    ? await s.signLicense({
        tenantId: tenant.id,
        applianceId,
        edition: paid.edition,
        jti,
        issuedAt: now,
        expiresAt: paid.expiresAt,
        applianceKeyThumbprint: r.applianceKey?.jkt,
      })
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
    replayed: done.replayed,
    redeemedAt: done.redeemedAt,
    licenseJti: paid ? jti : null,
  };
}

/**
 * A redemption under an appliance id whose row still held a live credential (a re-issued code on a
 * working appliance, or another box using its id): the credential stops working, so support must
 * be able to see which appliance was displaced, when it last checked in and which license it held.
 */
async function auditDisplaced(
  tx: Queryable,
  actor: Actor,
  displaced: ApplianceRow,
  installCodeId: string,
  edition: Edition,
  licenseJti: string | null,
  now: Date,
) {
  await insertAudit(
    tx,
    actor,
    "appliance.credential_replaced",
    displaced.tenantId,
    {
      applianceId: displaced.applianceId,
      applianceRowId: displaced.id,
      reason: "reinstall",
      installCodeId,
      edition,
      licenseJti,
      displaced: {
        installCodeId: displaced.installCodeId,
        edition: displaced.edition,
        licenseJti: displaced.licenseJti,
        licenseExpiresAt: displaced.licenseExpiresAt,
        lastCheckInAt: displaced.lastCheckInAt,
        version: displaced.reportedVersion,
      },
    },
    now,
  );
}
