// The steps the wizard and the non-interactive mode share, for setup and for connect (upgrade in place):
// check the code's state without spending it, pin the vendor's keys, keep a redemption key, redeem
// (every retry with that key, so a lost answer is replayed), verify the first license, and — for
// connect — bring license_state and the license seed up to date.
import type { JWK } from "jose";
import { readLicenseState, replaceLicense, withApplianceDb, withLicenseLock, type LicenseStateRow } from "./bootstrap/appliance-schema.js";
import { otherOrganisation, type Binding } from "./binding.js";
import type { ApplyTarget } from "./config.js";
import { AlgaLicenseError, explainFailure as explain, withRetries, type CallPolicy, type Explanation, type RetryHooks } from "@alga-license/contract";
import {
  baseUrlOfCheckInUrl,
  failureCode,
  installCodeStatus,
  redeemInstallCode,
  type InstallCodeStatus,
  type LicenseErrorCode,
  type RedeemResult,
} from "./license-api.js";
import { chainDocuments, chainTip, extendKeyChain, sameDocument, type KeyChain } from "./license/chain.js";
import { timeFloor } from "./license/clock.js";
import { fetchKeyDocument } from "./license/pins.js";
import { applianceTrust, isNewerLicense, referenceTime, storedLicense, verifiedClaims, type ApplianceTrust } from "./license/trust.js";
import { forgetRedemptionKey, keepRedemptionKey } from "./redemption-key.js";
import { ensureApplianceKey, parseApplianceKey, type ApplianceKey } from "./appliance-key.js";
import { KeyTrustError, verifyLicense, type LicenseCheck, type VendorKeys } from "./license/verify.js";
import { applySteps, buildLicenseSeed } from "./seeds.js";

export interface FlowContext {
  policy: CallPolicy;
  hooks?: RetryHooks;
  phase?: (text: string) => void;
}

// the appliance's own refusals and alga-setup's exit per code (one mapping for every command)
export { FLOW_FAILURES, isFlowCode, setupExitOf, type FailureCode, type FlowCode } from "./failure-exits.js";
import type { FailureCode } from "./failure-exits.js";

/** A refusal the console explains (a code's state, another organisation, an unverified answer). */
export class FlowError extends Error {
  constructor(
    readonly code: FailureCode,
    readonly explanation: Explanation,
    /** true once the install code was spent */
    readonly codeUsed = false,
  ) {
    super(explanation.detail);
    this.name = "FlowError";
  }
}

export const checkCode = (licenseUrl: string, installCode: string, c: FlowContext): Promise<InstallCodeStatus> =>
  withRetries(() => installCodeStatus(licenseUrl, installCode, { signal: c.hooks?.signal }), c.policy, c.hooks);

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
export function codeProblem(
  s: InstallCodeStatus,
  o: { binding?: Binding; connectTenantId?: string; connectCompany?: string; earlierAttempt?: boolean },
): FlowError | null {
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
  if (other)
    return new FlowError("OTHER_TENANT", {
      title: "This appliance belongs to another organisation",
      detail: other,
      action: "Use an install code of this appliance's organisation (ask your vendor to re-issue one); this one was not used.",
    });
  return null;
}

export interface Redemption {
  redeemed: RedeemResult;
  /** the pinned keys after the redemption: the chain's last document */
  keys: VendorKeys;
  chain: KeyChain;
  /** the first license, verified (paid editions) */
  license: Extract<LicenseCheck, { ok: true }> | null;
  redeemedAt: Date;
  /** this appliance's identity key, sent with the redemption (the license is bound to it) */
  applianceKey: ApplianceKey;
}

export interface RedeemPlan {
  licenseUrl: string;
  installCode: string;
  applianceId: string;
  /** connect: the appliance's tenant (the service refuses another tenant's code unused) */
  tenantId?: string;
  /** what this appliance trusts already (connect), verified from its database */
  trust?: ApplianceTrust | null;
  /** setup on a surviving appliance database: its pins are loaded from there */
  databaseUrl?: string;
  /** the root: vendor keys shipped with the image */
  anchors?: JWK[];
  graceSeconds: number;
  /** where the redemption key is kept (ALGA_STATE_DIR) */
  stateDir: string;
  /** the appliance's clock (default: the system's) */
  clock?: () => Date;
  /** connect: the identity key the installed appliance keeps (default: the one in stateDir, created once) */
  applianceKey?: ApplianceKey | null;
}

/** The identity key of a plan (kept before the first attempt); FlowError when it cannot be kept (nothing was sent). */
async function applianceKeyOf(p: RedeemPlan): Promise<ApplianceKey> {
  if (p.applianceKey) return p.applianceKey;
  try {
    return await ensureApplianceKey(p.stateDir);
  } catch (err) {
    throw new FlowError("STATE_NOT_WRITABLE", {
      title: "The appliance key cannot be kept",
      detail: `This appliance keeps its identity key in ${p.stateDir} (licenses are bound to it): ${(err as Error).message}. The install code was not used.`,
      action: "Set ALGA_STATE_DIR to a folder this appliance can write (it persists across restarts), then try again.",
    });
  }
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

const keysNotTrusted = (err: KeyTrustError) =>
  new FlowError("KEYS_NOT_TRUSTED", {
    title: "The license service's keys were not accepted",
    detail: `${err.message}. The install code was not used.`,
    action: "Check the license service URL (it must be your vendor's); if it is right, contact your vendor.",
  });

const notVerified = (detail: string) =>
  new FlowError(
    "LICENSE_NOT_VERIFIED",
    {
      title: "The license did not verify",
      detail: `The license service's answer was not accepted: ${detail}. Nothing was applied.`,
      action: `The install code has been used. Check the license service URL, then ask your vendor to re-issue an install code.`,
    },
    true,
  );

/** What a bootstrapped appliance database trusts (null: not bootstrapped, or it cannot be read). */
export async function installedTrust(databaseUrl: string, root: JWK[] | undefined): Promise<ApplianceTrust | null> {
  try {
    const row = await withApplianceDb(databaseUrl, readLicenseState);
    return row ? await applianceTrust(row, root) : null;
  } catch {
    return null;
  }
}

/**
 * Pins the vendor's keys (before the code is spent: a document this appliance's chain does not accept
 * leaves the code unused), keeps a redemption key, redeems, and verifies the first license. A document refused only for its
 * date is judged again with the first license's time (this appliance's clock may be behind).
 */
export async function redeemVerified(p: RedeemPlan, c: FlowContext): Promise<Redemption> {
  const clock = p.clock ?? (() => new Date());
  const root = p.anchors?.length ? p.anchors : null;
  const trust = p.trust !== undefined ? p.trust : p.databaseUrl ? await installedTrust(p.databaseUrl, p.anchors) : null;
  if (trust?.problem && !root)
    throw keysNotTrusted(new KeyTrustError("UNTRUSTED", `the vendor keys pinned on this appliance were refused (${trust.problem.message})`));
  c.phase?.("Fetching the vendor's license keys");
  const document = await fetchKeyDocument(p.licenseUrl, { policy: c.policy, hooks: c.hooks });
  const pinned = trust?.problem ? null : (trust?.chain ?? null);
  const extend = (evidence?: (candidate: VendorKeys) => Promise<Date | null>) =>
    extendKeyChain(pinned, document, {
      root,
      reference: trust ? referenceTime(trust, clock()) : clock(),
      firstUse: !trust || (!trust.chain && !trust.problem),
      evidence,
    });
  let chain: KeyChain | null = null;
  try {
    chain = await extend();
  } catch (err) {
    if (!(err instanceof KeyTrustError)) throw err;
    // pins newer than the service's document (a replica behind): the license must verify with those
    if (err.reason === "OUTDATED" && pinned) chain = pinned;
    else if (err.reason !== "FUTURE") throw keysNotTrusted(err);
  }
  const applianceKey = await applianceKeyOf(p);
  const redemptionKey = redemptionKeyOf(p);
  c.phase?.("Redeeming the install code");
  // every attempt sends the same key: an attempt whose answer was lost is replayed, not refused as used
  const redeemed = await withRetries(
    () =>
      redeemInstallCode(
        p.licenseUrl,
        { installCode: p.installCode, applianceId: p.applianceId, tenantId: p.tenantId, redemptionKey, applianceKey: JSON.stringify(applianceKey.publicJwk) },
        { signal: c.hooks?.signal },
      ),
    c.policy,
    c.hooks,
  );
  const redeemedAt = new Date();
  const verify = (keys: VendorKeys) =>
    verifyLicense(redeemed.firstJwt ?? "", {
      keys,
      tenantId: redeemed.tenantId,
      applianceId: p.applianceId,
      now: clock(),
      timeFloor: trust?.floor,
      graceSeconds: p.graceSeconds,
      applianceKeyThumbprint: applianceKey.thumbprint,
    });
  if (!chain) {
    try {
      chain = await extend(async (candidate) => ((check) => (check.ok ? new Date(check.claims.iat * 1000) : null))(await verify(candidate)));
    } catch (err) {
      if (!(err instanceof KeyTrustError)) throw err;
      throw notVerified(err.message);
    }
  }
  const keys = chainTip(chain);
  if (redeemed.edition === "ESSENTIALS") return { redeemed, keys, chain, license: null, redeemedAt, applianceKey };
  const check = await verify(keys);
  if (!check.ok) throw notVerified(check.message);
  return { redeemed, keys, chain, license: check, redeemedAt, applianceKey };
}

// ---------------------------------------------------------------------------------------------------
// connect: an installed appliance redeems a code of its own tenant (upgrade in place)
// ---------------------------------------------------------------------------------------------------
export interface Installed {
  row: LicenseStateRow;
  licenseUrl: string;
  applianceId: string;
  /** its pins, re-verified from the root */
  trust: ApplianceTrust;
  /** the identity key it keeps in license_state (null: installed before appliance keys) */
  applianceKey: ApplianceKey | null;
}

/** The installed appliance connect works on; FlowError when there is none. */
export async function loadInstalled(databaseUrl: string, o: { licenseUrl?: string; applianceId?: string; vendorKeys?: JWK[] }): Promise<Installed> {
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
  const applianceKey = row.appliance_key ? await parseApplianceKey(row.appliance_key as string, "license_state.appliance_key").catch(() => null) : null;
  return { row, licenseUrl, applianceId: o.applianceId ?? row.appliance_id ?? "", trust: await applianceTrust(row, o.vendorKeys), applianceKey };
}

const newerInPlace = () =>
  new FlowError(
    "FAILED",
    {
      title: "A newer redemption is already in place",
      detail: "license_state was updated by a newer redemption while this connect ran (another connect, or a reinstall's bootstrap); this one was not stored.",
      action: "Check `alga-license status`; nothing else is needed if it shows the expected edition.",
    },
    true,
  );

/**
 * Stores the connected license in license_state, then the license seed (so a bootstrap re-run agrees).
 * Under the writers' lock, from the row as it is then: pins another writer accepted meanwhile are
 * kept (the redemption's document is attached to them), and a newer stored license is not replaced.
 */
export async function applyConnect(
  databaseUrl: string,
  installed: Installed,
  r: Redemption,
  target: ApplyTarget,
  o: { vendorKeys?: JWK[]; clock?: () => Date } = {},
): Promise<string[]> {
  const notes: string[] = [];
  const clock = o.clock ?? (() => new Date());
  const written = await withApplianceDb(databaseUrl, (db) =>
    withLicenseLock(db, async () => {
      const current = await readLicenseState(db);
      if (!current || current.tenant_id !== installed.row.tenant_id) return false;
      const trust = await applianceTrust(current, o.vendorKeys);
      let chain = r.chain;
      const before = installed.trust.chain;
      const moved = trust.chain && !(before && sameDocument(chainTip(before), chainTip(trust.chain)) && before.links.length === trust.chain.links.length);
      if (moved) {
        try {
          chain = await extendKeyChain(trust.chain, chainTip(r.chain).document, {
            root: o.vendorKeys?.length ? o.vendorKeys : null,
            reference: referenceTime(trust, clock()),
          });
        } catch (err) {
          if (!(err instanceof KeyTrustError && err.reason === "OUTDATED")) throw err;
          chain = trust.chain!;
        }
      }
      const held = verifiedClaims(await storedLicense(current, trust, { clock: clock(), graceSeconds: 0 }));
      if (held && r.license && !isNewerLicense(r.license.claims, held)) return false;
      return replaceLicense(db, installed.row.tenant_id, {
        edition: r.redeemed.edition,
        applianceId: installed.applianceId,
        token: r.redeemed.firstJwt ?? null,
        expiresAt: r.license?.expiresAt ?? null,
        credential: r.redeemed.applianceCredential ?? null,
        checkInUrl: r.redeemed.checkInUrl ?? null,
        licenseUrl: installed.licenseUrl,
        keyChain: chainDocuments(chain),
        timeFloor: timeFloor(r.license?.claims.iat, chainTip(chain).issuedAt),
        redeemedAt: r.redeemedAt,
        applianceKey: r.applianceKey.privateJwk,
        activationMode: "online",
      });
    }),
  );
  if (!written) throw newerInPlace();
  notes.push("license_state updated: credential, license, check-in URL and vendor keys");
  const seed = buildLicenseSeed({
    redeemed: r.redeemed,
    applianceId: installed.applianceId,
    licenseUrl: installed.licenseUrl,
    vendorKeys: r.keys,
    redeemedAt: r.redeemedAt,
    applianceKey: r.applianceKey.privateJwk,
  });
  for (const step of applySteps({ licenseSeed: seed }, target)) {
    try {
      notes.push(await step.run());
    } catch (err) {
      notes.push(`the license seed was not updated (${(err as Error).message}); license_state is, and a bootstrap re-run keeps the newer redemption`);
    }
  }
  return notes;
}

/** A FlowError, a service error or anything else, as code + explanation (`title` names an unexpected failure). */
export function describeFailure(err: unknown, title = "Something went wrong"): { code: FailureCode; explanation: Explanation; codeUsed: boolean } {
  if (err instanceof FlowError) return { code: err.code, explanation: err.explanation, codeUsed: err.codeUsed };
  if (err instanceof AlgaLicenseError) {
    const code = failureCode(err);
    return { code, explanation: explain(code, err), codeUsed: false };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: "FAILED", explanation: { title, detail: message, action: "Try again; if it persists, contact your vendor." }, codeUsed: false };
}
