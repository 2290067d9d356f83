// The vendor's side of the air-gapped exchange as these appliance tests need it: verifies a request
// file with the contract's verifier and answers it with a response signed the way the control plane
// signs (its signing keys, its key hand-over document, a license bound to the request's key). The
// API's own activateOffline / renewOffline are tested against the real service elsewhere; here the
// vendor's clock and keys are the test's to choose (an expired license, a rotation, an older license).
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { signOfflineResponse, verifyOfflineRequest, type OfflineEdition } from "@alga-license/contract";
import { EDITION_FEATURES } from "../../api/src/license/features.js";
import { signKeyHandover } from "../../api/src/license/key-handover.js";
import type { SigningKeySet } from "../../api/src/license/signing-keys.js";

export const ISSUER = "https://license.vendor.test";
const DAY = 86_400;

export interface VendorAnswer {
  keys: SigningKeySet;
  /** the vendor's clock (default now) */
  now?: Date;
  tenantId?: string;
  edition?: OfflineEdition;
  /** override: answer as if for another appliance / key / nonce */
  applianceId?: string;
  jkt?: string;
  nonce?: string;
  licenseDays?: number;
  /** a license issued at this time instead of now (an older license) */
  licenseIssuedAt?: Date;
}

export const TENANT = "3f6c1d2e-4b5a-4c6d-8e7f-9a0b1c2d3e4f";

async function licenseFor(o: VendorAnswer, applianceId: string, jkt: string): Promise<string> {
  const now = o.licenseIssuedAt ?? o.now ?? new Date();
  const edition = o.edition ?? "PRO";
  return new SignJWT({ edition, features: [...EDITION_FEATURES[edition]], cnf: { jkt } })
    .setProtectedHeader({ alg: o.keys.signer.alg, kid: o.keys.signer.kid, typ: "JWT" })
    .setIssuer(ISSUER)
    .setSubject(applianceId)
    .setAudience(o.tenantId ?? TENANT)
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .setExpirationTime(Math.floor(now.getTime() / 1000) + (o.licenseDays ?? 30) * DAY)
    .setJti(randomUUID())
    .sign(o.keys.signer.key);
}

/** The response file answering an activation request file. */
export async function answerActivation(requestText: string, o: VendorAnswer): Promise<string> {
  const now = o.now ?? new Date();
  const r = await verifyOfflineRequest(requestText, { kind: "activation" });
  const applianceId = o.applianceId ?? r.payload.applianceId;
  const jkt = o.jkt ?? r.jkt;
  const edition = o.edition ?? "PRO";
  const { file } = await signOfflineResponse(
    {
      ver: 1,
      kind: "activation",
      nonce: o.nonce ?? r.payload.nonce,
      applianceId,
      jkt,
      tenantId: o.tenantId ?? TENANT,
      companyName: "Offline Works GmbH",
      adminEmail: "admin@offline.test",
      edition,
      redeemedAt: now.toISOString(),
      license: await licenseFor({ ...o, edition }, applianceId, jkt),
      keys: (await signKeyHandover(o.keys, ISSUER, now.getTime())) as never,
      credential: edition === "ESSENTIALS" ? null : `cred-${randomUUID()}`,
      checkInUrl: edition === "ESSENTIALS" ? null : "http://127.0.0.1:9/graphql",
      iat: Math.floor(now.getTime() / 1000),
    },
    o.keys.signer,
  );
  return file;
}

/** The response file answering a renewal request file. */
export async function answerRenewal(requestText: string, o: VendorAnswer): Promise<{ file: string; report: { seq: number; prev: string | null } }> {
  const now = o.now ?? new Date();
  const r = await verifyOfflineRequest(requestText, { kind: "renewal" });
  const applianceId = o.applianceId ?? r.payload.applianceId;
  const jkt = o.jkt ?? r.jkt;
  const edition = o.edition ?? "PRO";
  const { file } = await signOfflineResponse(
    {
      ver: 1,
      kind: "renewal",
      nonce: o.nonce ?? r.payload.nonce,
      applianceId,
      jkt,
      tenantId: r.payload.tenantId,
      edition,
      license: await licenseFor({ ...o, edition, tenantId: r.payload.tenantId }, applianceId, jkt),
      keys: (await signKeyHandover(o.keys, ISSUER, now.getTime())) as never,
      iat: Math.floor(now.getTime() / 1000),
      report: { seq: r.payload.report.seq, chain: r.payload.report.seq === 1 ? "FIRST" : "OK" },
    },
    o.keys.signer,
  );
  return { file, report: r.payload.report };
}
