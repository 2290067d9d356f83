// Activation by request file (no network path to the license service):
//   offline-request: the install code checked locally, the appliance key (created once), a request
//     signed by it — appliance id, public key, a fresh nonce, the code's digest (never the code), the
//     tool version — written to a file and kept as the pending request in ALGA_STATE_DIR;
//   offline-apply: the vendor's response verified — its key document accepted through the appliance's
//     chain of trust (the root ALGA_VENDOR_KEYS, or trust on first use as online), its signature with
//     those keys, its nonce the pending one, its jkt this appliance key's, its appliance id this one —
//     and its license verified; then the SAME seeds as an online install are written (seeds.ts), so
//     alga-create-tenant proceeds unchanged.
import { readFileSync } from "node:fs";
import {
  decodeOfflineResponseUnverified,
  describeInstallCodeProblem,
  OfflineFormatError,
  signActivationRequest,
  verifyOfflineResponse,
  type ActivationResponsePayload,
} from "@alga-license/contract";
import type { JWK } from "jose";
import { ensureApplianceKey, type ApplianceKey } from "../appliance-key.js";
import { checkInstallCode } from "../install-code.js";
import { baseUrlOfCheckInUrl } from "../license-api.js";
import { chainTip, extendKeyChain, type KeyChain } from "../license/chain.js";
import { KeyTrustError, verifyLicense, type LicenseCheck } from "../license/verify.js";
import { buildSeeds, type Seeds } from "../seeds.js";
import { noPendingRequest, notVerified, OfflineFailure, responseFailure } from "./failures.js";
import { forgetPendingActivation, keepPendingActivation, pendingActivation } from "./pending.js";
import { toolName } from "./tool.js";

export interface OfflineRequestInput {
  installCode: string;
  applianceId: string;
  stateDir: string;
  clock?: () => Date;
}

export interface OfflineRequest {
  /** the request file's text (what --out writes) */
  file: string;
  /** the compact JWS: what the QR code and the text carry */
  jws: string;
  nonce: string;
  applianceId: string;
  /** the appliance key's thumbprint */
  jkt: string;
  /** the install code as formatted (shown, never written into the request) */
  installCode: string;
}

const stateNotWritable = (stateDir: string, err: unknown) =>
  new OfflineFailure("STATE_NOT_WRITABLE", {
    title: "The appliance key or the pending request cannot be kept",
    detail: `This appliance keeps its identity key and the pending request in ${stateDir}: ${(err as Error).message}.`,
    action: "Set ALGA_STATE_DIR to a folder this appliance can write (it persists across restarts), then make the request again.",
  });

/** Writes nothing but the pending request and (once) the key; the caller writes the file. */
export async function makeActivationRequest(i: OfflineRequestInput): Promise<OfflineRequest> {
  const check = checkInstallCode(i.installCode);
  if (!check.ok) {
    throw new OfflineFailure("MALFORMED_INSTALL_CODE", {
      title: "That is not a valid install code",
      detail: describeInstallCodeProblem(check.reason, i.installCode),
      action: "Compare the code with the email; no request was made.",
    });
  }
  let key: ApplianceKey;
  try {
    key = await ensureApplianceKey(i.stateDir);
  } catch (err) {
    throw stateNotWritable(i.stateDir, err);
  }
  const signed = await signActivationRequest({
    privateKey: key.privateJwk as Parameters<typeof signActivationRequest>[0]["privateKey"],
    applianceId: i.applianceId,
    installCode: check.formatted,
    tool: toolName(),
    now: (i.clock ?? (() => new Date()))(),
  });
  try {
    keepPendingActivation(i.stateDir, {
      kind: "activation",
      nonce: signed.payload.nonce,
      applianceId: i.applianceId,
      jkt: key.thumbprint,
      codeDigest: signed.payload.codeDigest,
      createdAt: new Date().toISOString(),
      request: signed.file,
    });
  } catch (err) {
    throw stateNotWritable(i.stateDir, err);
  }
  return { file: signed.file, jws: signed.jws, nonce: signed.payload.nonce, applianceId: i.applianceId, jkt: key.thumbprint, installCode: check.formatted };
}

export interface OfflineApplyInput {
  /** the response file's path (for messages) and its text */
  responseFile: string;
  responseText?: string;
  applianceId: string;
  stateDir: string;
  /** the root: vendor keys shipped with the image (ALGA_VENDOR_KEYS) */
  vendorKeys?: JWK[];
  graceSeconds: number;
  /** the license service URL recorded in the seed (for a later online check-in), when known */
  licenseUrl?: string;
  adminPassword?: string;
  clock?: () => Date;
}

export interface VerifiedActivation {
  payload: ActivationResponsePayload;
  chain: KeyChain;
  license: Extract<LicenseCheck, { ok: true }> | null;
  applianceKey: ApplianceKey;
  seeds: Seeds;
}

export function readResponseFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new OfflineFailure("USAGE", {
      title: "Cannot read the response file",
      detail: (err as Error).message,
      action: "Pass --response with the file the vendor sent back (alga-store activate-offline writes it).",
    });
  }
}

/** Verifies an activation response against the pending request and builds the seeds (written by the caller). */
export async function verifyActivationResponse(i: OfflineApplyInput): Promise<VerifiedActivation> {
  const text = i.responseText ?? readResponseFile(i.responseFile);
  const clock = i.clock ?? (() => new Date());
  let unverified;
  try {
    unverified = decodeOfflineResponseUnverified(text);
  } catch (err) {
    if (err instanceof OfflineFormatError) throw responseFailure(err, i.responseFile);
    throw err;
  }
  if (unverified.kind !== "activation")
    throw responseFailure(
      new OfflineFormatError("WRONG_KIND", "This is a renewal response: import it with alga-license import --file on the installed appliance."),
      i.responseFile,
    );
  const pending = pendingActivation(i.stateDir);
  if (!pending) throw noPendingRequest("activation", i.responseFile);
  const applianceKey = await ensureApplianceKey(i.stateDir);
  const root = i.vendorKeys?.length ? i.vendorKeys : null;
  const payload = unverified.payload as ActivationResponsePayload;
  // the response's key document, accepted as an online install accepts the service's (first use or root)
  let chain: KeyChain;
  try {
    chain = await extendKeyChain(null, payload.keys, {
      root,
      reference: clock(),
      firstUse: true,
      // the response's license carries the service's time (this appliance's clock may be behind)
      evidence: async (candidate) => {
        if (!payload.license) return null;
        const c = await verifyLicense(payload.license, {
          keys: candidate,
          tenantId: payload.tenantId,
          applianceId: i.applianceId,
          now: clock(),
          graceSeconds: i.graceSeconds,
        });
        return c.ok ? new Date(c.claims.iat * 1000) : null;
      },
    });
  } catch (err) {
    if (err instanceof KeyTrustError) throw notVerified(i.responseFile, `the vendor keys in the response were not accepted (${err.message})`);
    throw err;
  }
  const tip = chainTip(chain);
  let verified;
  try {
    verified = await verifyOfflineResponse(text, {
      keys: tip.keys,
      kind: "activation",
      expect: { applianceId: i.applianceId, jkt: applianceKey.thumbprint, nonce: pending.nonce },
    });
  } catch (err) {
    if (err instanceof OfflineFormatError) throw responseFailure(err, i.responseFile);
    throw err;
  }
  const p = verified.payload as ActivationResponsePayload;
  let license: Extract<LicenseCheck, { ok: true }> | null = null;
  if (p.edition !== "ESSENTIALS") {
    if (!p.license) throw notVerified(i.responseFile, `the response grants ${p.edition} but carries no license`);
    const check = await verifyLicense(p.license, {
      keys: tip,
      tenantId: p.tenantId,
      applianceId: i.applianceId,
      now: clock(),
      graceSeconds: i.graceSeconds,
      applianceKeyThumbprint: applianceKey.thumbprint,
    });
    if (!check.ok) throw notVerified(i.responseFile, check.message);
    license = check;
  }
  const seeds = buildSeeds({
    redeemed: {
      tenantId: p.tenantId,
      companyName: p.companyName,
      contactEmail: p.adminEmail,
      edition: p.edition,
      firstJwt: p.license,
      applianceCredential: p.credential,
      checkInUrl: p.checkInUrl,
    },
    adminPassword: i.adminPassword,
    applianceId: i.applianceId,
    licenseUrl: i.licenseUrl ?? (p.checkInUrl ? baseUrlOfCheckInUrl(p.checkInUrl) : ""),
    vendorKeys: tip,
    redeemedAt: new Date(p.redeemedAt),
    applianceKey: applianceKey.privateJwk,
  });
  return { payload: p, chain, license, applianceKey, seeds };
}

/** Once the seeds are written: the response was used, a replay of it is refused. */
export const activationApplied = (stateDir: string) => forgetPendingActivation(stateDir);
