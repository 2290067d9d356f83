// The steps the wizard and the non-interactive mode share, for setup and for connect (upgrade in place):
// check the code's state without spending it, pin the vendor's keys, keep a redemption key, redeem
// (every retry with that key, so a lost answer is replayed), verify the first license, and — for
// connect — bring license_state and the license seed up to date.
import type { JWK } from "jose";
import { readLicenseState, replaceLicense, withApplianceDb, type LicenseStateRow } from "./bootstrap/appliance-schema.js";
import { otherOrganisation, type Binding } from "./binding.js";
import type { ApplyTarget } from "./config.js";
import { explain, type Explanation } from "./explain.js";
import {
  baseUrlOfCheckInUrl,
  installCodeStatus,
  LicenseServiceError,
  redeemInstallCode,
  type InstallCodeStatus,
  type LicenseErrorCode,
  type RedeemResult,
} from "./license-api.js";
import { fetchVendorKeys, storedPins } from "./license/pins.js";
import { forgetRedemptionKey, keepRedemptionKey } from "./redemption-key.js";
import { KeyTrustError, verifyLicense, type LicenseCheck, type VendorKeys } from "./license/verify.js";
import { callWithRetry, failureOf, RetriesExhausted, type RetryHooks, type RetryPolicy } from "./retry.js";
import { applySteps, buildLicenseSeed } from "./seeds.js";

export interface FlowContext {
  policy: RetryPolicy;
  hooks?: RetryHooks;
  phase?: (text: string) => void;
}

/** A refusal the console explains (a code's state, another organisation, an unverified answer). */
export class FlowError extends Error {
  constructor(
    readonly code: LicenseErrorCode | "OTHER_TENANT" | "NOT_PAID" | "NOT_BOOTSTRAPPED" | "KEYS_NOT_TRUSTED" | "LICENSE_NOT_VERIFIED" | "STATE_NOT_WRITABLE" | "FAILED",
    readonly explanation: Explanation,
    /** true once the install code was spent */
    readonly codeUsed = false,
  ) {
    super(explanation.detail);
    this.name = "FlowError";
  }
}

export const checkCode = (licenseUrl: string, installCode: string, c: FlowContext): Promise<InstallCodeStatus> =>
  callWithRetry(() => installCodeStatus(licenseUrl, installCode, { signal: c.hooks?.signal }), c.policy, c.hooks);

const STATE_CODES: Record<string, LicenseErrorCode> = {
  CONSUMED: "CONSUMED_INSTALL_CODE",
  REVOKED: "REVOKED_INSTALL_CODE",
  EXPIRED: "EXPIRED_INSTALL_CODE",
};

/**
 * Why this code cannot be redeemed here, said before the code is spent (null: go ahead). A used code
 * this appliance tried before (earlierAttempt: its redemption key is kept) may be its own redemption
 * whose answer was lost: the redemption goes ahead, and the service replays it or refuses it.
 */
export function codeProblem(s: InstallCodeStatus, o: { binding?: Binding; connectTenantId?: string; connectCompany?: string; earlierAttempt?: boolean }): FlowError | null {
  const stateCode = STATE_CODES[s.state];
  if (stateCode && !(stateCode === "CONSUMED_INSTALL_CODE" && o.earlierAttempt)) return new FlowError(stateCode, explain(stateCode));
  if (s.tenantSuspended) return new FlowError("TENANT_SUSPENDED", explain("TENANT_SUSPENDED"));
  if (o.connectTenantId !== undefined) {
    if (s.tenantId !== o.connectTenantId) {
      return new FlowError("OTHER_TENANT", {
        title: "The code belongs to another organisation",
        detail: `This code is for ${s.companyName} (tenant ${s.tenantId}); this appliance belongs to ${o.connectCompany ?? "tenant"} (${o.connectTenantId}).`,
        action: "Ask your vendor for an install code of this appliance's organisation; this one was not used.",
      });
    }
    if (s.edition === "ESSENTIALS") {
      return new FlowError("NOT_PAID", {
        title: "This code carries no paid license",
        detail: `${s.companyName} has no paid subscription yet: connecting would change nothing.`,
        action: "Once the subscription is active, ask your vendor to re-issue an install code; this one was not used.",
      });
    }
    return null;
  }
  const other = o.binding ? otherOrganisation(o.binding, s.tenantId, s.companyName) : null;
  if (other) return new FlowError("OTHER_TENANT", { title: "This appliance belongs to another organisation", detail: other, action: "Use an install code of this appliance's organisation (ask your vendor to re-issue one); this one was not used." });
  return null;
}

export interface Redemption {
  redeemed: RedeemResult;
  keys: VendorKeys;
  /** the first license, verified (paid editions) */
  license: Extract<LicenseCheck, { ok: true }> | null;
  redeemedAt: Date;
}

export interface RedeemPlan {
  licenseUrl: string;
  installCode: string;
  applianceId: string;
  /** connect: the appliance's tenant (the service refuses another tenant's code unused) */
  tenantId?: string;
  /** keys pinned on this appliance (connect), or shipped with the image */
  pinned?: VendorKeys | null;
  anchors?: JWK[];
  graceSeconds: number;
  /** where the redemption key is kept (ALGA_STATE_DIR) */
  stateDir: string;
}

/** The redemption key of a plan, kept before the first attempt; FlowError when it cannot be kept (nothing was sent). */
function redemptionKeyOf(p: RedeemPlan): string {
  try {
    return keepRedemptionKey(p.stateDir, p.installCode, p.applianceId).key;
  } catch (err) {
    throw new FlowError("STATE_NOT_WRITABLE", {
      title: "The redemption key cannot be kept",
      detail: `This appliance keeps a redemption key in ${p.stateDir} before it redeems a code, so that a lost answer can be recovered: ${(err as Error).message}. The install code was not used.`,
      action: "Set ALGA_STATE_DIR to a folder this appliance can write (it persists across restarts), then try again.",
    });
  }
}

/** After the redemption's answer was applied (seeds written, license stored): its key is no longer needed. */
export function redemptionApplied(p: Pick<RedeemPlan, "stateDir" | "installCode" | "applianceId">): void {
  try {
    forgetRedemptionKey(p.stateDir, p.installCode, p.applianceId);
  } catch {
    // a key left behind only lets this appliance replay its own redemption while the code is valid
  }
}

/** Pins the vendor's keys (before the code is spent), keeps a redemption key, redeems, and verifies the first license. */
export async function redeemVerified(p: RedeemPlan, c: FlowContext): Promise<Redemption> {
  c.phase?.("Fetching the vendor's license keys");
  let keys: VendorKeys;
  try {
    keys = await fetchVendorKeys(p.licenseUrl, { pinned: p.pinned, anchors: p.anchors, policy: c.policy, hooks: c.hooks });
  } catch (err) {
    if (err instanceof KeyTrustError) {
      throw new FlowError("KEYS_NOT_TRUSTED", {
        title: "The license service's keys were not accepted",
        detail: `${err.message}. The install code was not used.`,
        action: "Check the license service URL (it must be your vendor's); if it is right, contact your vendor.",
      });
    }
    throw err;
  }
  const redemptionKey = redemptionKeyOf(p);
  c.phase?.("Redeeming the install code");
  // every attempt sends the same key: an attempt whose answer was lost is replayed, not refused as used
  const redeemed = await callWithRetry(
    () => redeemInstallCode(p.licenseUrl, { installCode: p.installCode, applianceId: p.applianceId, tenantId: p.tenantId, redemptionKey }, { signal: c.hooks?.signal }),
    c.policy,
    c.hooks,
  );
  const redeemedAt = new Date();
  if (redeemed.edition === "ESSENTIALS") return { redeemed, keys, license: null, redeemedAt };
  const check = await verifyLicense(redeemed.firstJwt ?? "", { keys, tenantId: redeemed.tenantId, applianceId: p.applianceId, graceSeconds: p.graceSeconds });
  if (!check.ok) {
    throw new FlowError(
      "LICENSE_NOT_VERIFIED",
      {
        title: "The license did not verify",
        detail: `The license service's answer was not accepted: ${check.message}. Nothing was applied.`,
        action: `The install code has been used. Check the license service URL, then ask your vendor to re-issue an install code.`,
      },
      true,
    );
  }
  return { redeemed, keys, license: check, redeemedAt };
}

// ---------------------------------------------------------------------------------------------------
// connect: an installed appliance redeems a code of its own tenant (upgrade in place)
// ---------------------------------------------------------------------------------------------------
export interface Installed {
  row: LicenseStateRow;
  licenseUrl: string;
  applianceId: string;
  pinned: VendorKeys | null;
}

/** The installed appliance connect works on; FlowError when there is none. */
export async function loadInstalled(databaseUrl: string, o: { licenseUrl?: string; applianceId?: string }): Promise<Installed> {
  const row = await withApplianceDb(databaseUrl, readLicenseState);
  if (!row) {
    throw new FlowError("NOT_BOOTSTRAPPED", {
      title: "This appliance is not set up yet",
      detail: "The appliance database has no tenant: connect upgrades an installed appliance.",
      action: "Run alga-setup (the first-boot setup) instead.",
    });
  }
  const licenseUrl = o.licenseUrl ?? row.license_url ?? (row.check_in_url ? baseUrlOfCheckInUrl(row.check_in_url) : undefined);
  if (!licenseUrl) {
    throw new FlowError("BAD_USER_INPUT", {
      title: "The license service URL is not known",
      detail: "This appliance was installed without recording its license service URL.",
      action: "Pass --license-url (or ALGA_LICENSE_URL).",
    });
  }
  return { row, licenseUrl, applianceId: o.applianceId ?? row.appliance_id ?? "", pinned: storedPins(row.vendor_keys) };
}

/** Stores the connected license in license_state, then the license seed (so a bootstrap re-run agrees). */
export async function applyConnect(databaseUrl: string, installed: Installed, r: Redemption, target: ApplyTarget): Promise<string[]> {
  const notes: string[] = [];
  const written = await withApplianceDb(databaseUrl, (db) =>
    replaceLicense(db, installed.row.tenant_id, {
      edition: r.redeemed.edition,
      applianceId: installed.applianceId,
      token: r.redeemed.firstJwt ?? null,
      expiresAt: r.license?.expiresAt ?? null,
      credential: r.redeemed.applianceCredential ?? null,
      checkInUrl: r.redeemed.checkInUrl ?? null,
      licenseUrl: installed.licenseUrl,
      vendorKeys: r.keys.document,
      redeemedAt: r.redeemedAt,
    }),
  );
  if (!written) {
    throw new FlowError(
      "FAILED",
      {
        title: "A newer redemption is already in place",
        detail: "license_state was updated by a newer redemption while this connect ran (another connect, or a reinstall's bootstrap); this one was not stored.",
        action: "Check `alga-license status`; nothing else is needed if it shows the expected edition.",
      },
      true,
    );
  }
  notes.push("license_state updated: credential, license, check-in URL and vendor keys");
  const seed = buildLicenseSeed({ redeemed: r.redeemed, applianceId: installed.applianceId, licenseUrl: installed.licenseUrl, vendorKeys: r.keys, redeemedAt: r.redeemedAt });
  for (const step of applySteps({ licenseSeed: seed }, target)) {
    try {
      notes.push(await step.run());
    } catch (err) {
      notes.push(`the license seed was not updated (${(err as Error).message}); license_state is, and a bootstrap re-run keeps the newer redemption`);
    }
  }
  return notes;
}

/** A FlowError, a service error or anything else, as code + explanation. */
export function describeFailure(err: unknown): { code: string; explanation: Explanation; codeUsed: boolean } {
  if (err instanceof FlowError) return { code: err.code, explanation: err.explanation, codeUsed: err.codeUsed };
  if (err instanceof LicenseServiceError || err instanceof RetriesExhausted) {
    const { error } = failureOf(err);
    return { code: error.code, explanation: explain(error.code, error), codeUsed: false };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: "FAILED", explanation: { title: "Something went wrong", detail: message, action: "Try again; if it persists, contact your vendor." }, codeUsed: false };
}
