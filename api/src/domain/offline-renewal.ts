// renewOffline: an offline appliance's signed renewal request (its registered key, tenant, appliance id,
// a nonce, the hash-chained seat report) answered with a new license in a response file, under the
// same entitlement rules as checkIn (lapsed: ENTITLEMENT_LAPSED, suspended: TENANT_SUSPENDED). The
// tenant and appliance rows are locked; nonce, seat report, appliance row and audit event are written
// in one transaction. A request handed in again (its nonce, or its report) is REPLAYED_OFFLINE_REQUEST,
// and the attempt is recorded as a REPLAYED report so support sees the broken chain.
import { randomUUID } from "node:crypto";
import {
  canonicalJson,
  classifySeatReport,
  offlineResponseFile,
  seatReportHash,
  type RenewalRequestPayload,
  type RenewalResponsePayload,
  type SeatReportChain,
} from "@alga-license/contract";
import { findApplianceOf, lockApplianceOf, recordOfflineRenewal, type ApplianceRow } from "../data/appliances.js";
import { insertAudit } from "../data/audit.js";
import { currentEntitlement } from "../data/entitlements.js";
import { insertSeatReport, lastChainedReport, nonceSeen, recordNonce, reportRecorded } from "../data/offline.js";
import { lockTenant } from "../data/tenants.js";
import { transaction, type Queryable } from "../db/sql.js";
import type { Edition } from "../generated/prisma/enums.js";
import { entitlementLapsed } from "./check-in.js";
import { DomainError } from "./errors.js";
import { isBlocked, licenseTerms } from "./license-terms.js";
import { nonceDigest, replayedRequest, verifiedRequest } from "./offline-request.js";
import type { Actor } from "./principal.js";
import type { Services } from "./services.js";

export interface OfflineRenewalResult {
  /** the response file's text */
  response: string;
  tenantId: string;
  applianceId: string;
  edition: Edition;
  licenseExpiresAt: Date;
  report: { seq: number; chain: SeatReportChain };
}

function keyMismatch(applianceId: string, registered: string | null): DomainError {
  return new DomainError(
    "APPLIANCE_KEY_MISMATCH",
    registered
      ? `This request was signed by another key than the one registered for appliance ${applianceId}: it comes from another installation, or the appliance was reinstalled. ` +
          "Activate it again with a re-issued install code (alga-store reissue, then an activation request)."
      : `No appliance key is registered for appliance ${applianceId} (it was activated online without one): activate it offline with a re-issued install code first.`,
    { applianceId },
  );
}

function requireRenewable(a: ApplianceRow, jkt: string): void {
  if (!a.publicKeyThumbprint || a.publicKeyThumbprint !== jkt) throw keyMismatch(a.applianceId, a.publicKeyThumbprint);
  if (!a.credentialActive) {
    throw new DomainError(
      "FORBIDDEN",
      `Appliance ${a.applianceId} holds no licensed seat (${a.credentialRevokedAt ? "its seat was retired" : "it was activated as ESSENTIALS"}): ` +
        "re-issue the install code and activate it again to license it.",
      { reason: "NO_SEAT", applianceId: a.applianceId },
    );
  }
}

const reportRow = (p: RenewalRequestPayload, hash: string) => ({
  seq: p.report.seq,
  prev: p.report.prev,
  hash,
  from: p.report.from,
  until: p.report.until,
  edition: p.report.edition,
  version: p.report.version,
  licensedUntil: p.report.licensedUntil,
  skewSeconds: p.report.clock.skewSeconds,
  report: canonicalJson(p.report),
});

/** A replayed request leaves a trace: a REPLAYED report row and its audit event, in their own transaction. */
async function recordReplay(s: Services, actor: Actor, a: ApplianceRow, p: RenewalRequestPayload, hash: string): Promise<never> {
  const now = s.clock();
  await transaction(s.db, async (tx: Queryable) => {
    await insertSeatReport(tx, { applianceRowId: a.id, tenantId: a.tenantId, ...reportRow(p, hash), chain: "REPLAYED", licenseJti: null, now });
    await insertAudit(
      tx,
      actor,
      "appliance.offline_request_replayed",
      a.tenantId,
      { applianceId: a.applianceId, applianceRowId: a.id, report: { seq: p.report.seq, hash } },
      now,
    );
  });
  throw replayedRequest("renewal");
}

export async function renewOffline(s: Services, actor: Actor, input: { request: string }): Promise<OfflineRenewalResult> {
  const { payload: p, jkt } = await verifiedRequest(s, input.request, "renewal");
  const hash = seatReportHash(p.report);
  const digest = nonceDigest(p.nonce);
  const found = await findApplianceOf(s.db, p.tenantId, p.applianceId);
  if (!found) {
    throw new DomainError(
      "APPLIANCE_NOT_FOUND",
      `No appliance ${p.applianceId} is registered for tenant ${p.tenantId}: activate it first (an activation request, alga-store activate-offline).`,
      { applianceId: p.applianceId, tenantId: p.tenantId },
    );
  }
  requireRenewable(found, jkt);
  if ((await nonceSeen(s.db, digest)) || (await reportRecorded(s.db, found.id, hash))) return recordReplay(s, actor, found, p, hash);

  const jti = randomUUID();
  const done = await transaction(s.db, async (tx) => {
    const now = s.clock();
    const tenant = await lockTenant(tx, p.tenantId);
    if (!tenant) throw new DomainError("TENANT_NOT_FOUND", "No tenant has this id.");
    if (isBlocked(tenant.status)) throw new DomainError("TENANT_SUSPENDED", "This organisation's license is suspended. Contact your vendor.");
    // as the lock sees it: a reinstall or a seat retirement may have happened since the read above
    const appliance = await lockApplianceOf(tx, tenant.id, p.applianceId);
    if (!appliance)
      throw new DomainError("APPLIANCE_NOT_FOUND", `No appliance ${p.applianceId} is registered for tenant ${p.tenantId}.`, { applianceId: p.applianceId });
    requireRenewable(appliance, jkt);
    if (
      !(await recordNonce(tx, { nonceDigest: digest, kind: "RENEWAL", tenantId: tenant.id, applianceId: p.applianceId, issuedAt: new Date(p.iat * 1000), now }))
    ) {
      throw replayedRequest("renewal");
    }
    const terms = licenseTerms(await currentEntitlement(tx, tenant.id), now, {
      licenseTtlSeconds: s.licenseTtlSeconds,
      graceSeconds: s.entitlements.graceSeconds,
    });
    if (terms.kind !== "paid") throw entitlementLapsed(terms, "with the next renewal");
    const chain = classifySeatReport(p.report, await lastChainedReport(tx, appliance.id), await reportRecorded(tx, appliance.id, hash));
    if (chain === "REPLAYED") throw replayedRequest("renewal");
    await insertSeatReport(tx, { applianceRowId: appliance.id, tenantId: tenant.id, ...reportRow(p, hash), chain, licenseJti: jti, now });
    await recordOfflineRenewal(tx, {
      id: appliance.id,
      edition: terms.edition,
      licenseJti: jti,
      licenseExpiresAt: terms.expiresAt,
      version: p.report.version,
      now,
    });
    await insertAudit(
      tx,
      actor,
      "appliance.offline_renewed",
      tenant.id,
      {
        applianceId: p.applianceId,
        applianceRowId: appliance.id,
        edition: terms.edition,
        licenseJti: jti,
        licenseExpiresAt: terms.expiresAt,
        inGrace: terms.inGrace,
        // the license the appliance said it holds (an older one than the last issued: a response was lost)
        heldLicenseJti: p.licenseJti,
        report: { seq: p.report.seq, chain },
        tool: p.tool,
      },
      now,
    );
    return { now, edition: terms.edition, expiresAt: terms.expiresAt, chain };
  });

  const license = await s.signLicense({
    tenantId: p.tenantId,
    applianceId: p.applianceId,
    edition: done.edition,
    jti,
    issuedAt: done.now,
    expiresAt: done.expiresAt,
    jkt,
  });
  const report = { seq: p.report.seq, chain: done.chain };
  const response: RenewalResponsePayload = {
    ver: 1,
    kind: "renewal",
    nonce: p.nonce,
    applianceId: p.applianceId,
    jkt,
    tenantId: p.tenantId,
    edition: done.edition,
    license,
    keys: await s.offline.keyDocument(),
    iat: Math.floor(s.clock().getTime() / 1000),
    report,
  };
  const jws = await s.offline.signResponse(response);
  return {
    response: offlineResponseFile("renewal", jws),
    tenantId: p.tenantId,
    applianceId: p.applianceId,
    edition: done.edition,
    licenseExpiresAt: done.expiresAt,
    report,
  };
}
