// What this appliance may trust in its own license_state, decided afresh on every read by every
// command (status, check-in, connect, create-tenant): the stored chain of key documents re-verified
// from the root, the time floor from what the vendor signed, and the stored license judged with both.
// Nothing is trusted because it is in the database.
import type { JWK } from "jose";
import type { LicenseStateRow } from "../bootstrap/appliance-schema.js";
import { chainTip, verifyKeyChain, sameDocument, type KeyChain } from "./chain.js";
import { serviceTime, storedTimeFloor } from "./clock.js";
import { thumbprintOfKept } from "./key-binding.js";
import { KeyTrustError, pinnedKeys, verifyLicense, type LicenseCheck, type LicenseClaims, type VendorKeys } from "./verify.js";

export interface ApplianceTrust {
  /** the verified chain (null: nothing pinned, or it did not verify) */
  chain: KeyChain | null;
  /** the keys licenses are verified with: the chain's last document */
  pins: VendorKeys | null;
  /** why the stored pins were refused (tampered, broken, not from the root) */
  problem: KeyTrustError | null;
  /** whether root keys are configured (ALGA_VENDOR_KEYS); false: trust on first use */
  anchored: boolean;
  /** the newest server-signed time among what is stored */
  floor: Date | null;
  /** the service's time minus the clock at the last check-in */
  skewSeconds: number | null;
  /** this appliance key's thumbprint (license_state.appliance_key; null: none): bound licenses must name it */
  keyThumbprint: string | null;
}

/** The thumbprint of the identity key license_state keeps (null: none, or no state). */
export const storedThumbprint = (row: Pick<LicenseStateRow, "appliance_key"> | null | undefined) => thumbprintOfKept(row?.appliance_key);

/** The stored documents, root first: key_chain, or the pins of a database from before it was kept. */
function storedDocuments(row: Pick<LicenseStateRow, "key_chain" | "vendor_keys">): unknown[] | KeyTrustError {
  const pinned = row.vendor_keys ?? null;
  if (row.key_chain === undefined) return pinned === null ? [] : [pinned];
  if (row.key_chain === null) return pinned === null ? [] : new KeyTrustError("UNTRUSTED", "the pinned vendor keys have no stored chain of trust behind them");
  if (!Array.isArray(row.key_chain)) return new KeyTrustError("MALFORMED", "the stored chain of vendor key documents is not a list");
  if (!row.key_chain.length) return new KeyTrustError("MALFORMED", "the stored chain of vendor key documents is empty");
  try {
    if (pinned === null || !sameDocument(pinnedKeys(pinned), pinnedKeys(row.key_chain[row.key_chain.length - 1]))) {
      return new KeyTrustError("UNTRUSTED", "the pinned key document (vendor_keys) is not the last link of the stored chain of trust");
    }
  } catch (err) {
    return err instanceof KeyTrustError ? err : new KeyTrustError("MALFORMED", "the pinned key document is not readable");
  }
  return row.key_chain;
}

/** Re-verifies what license_state pins, from the root (ALGA_VENDOR_KEYS) when one is configured. */
export async function applianceTrust(row: LicenseStateRow, root: JWK[] | null | undefined): Promise<ApplianceTrust> {
  const base = { anchored: !!root?.length, skewSeconds: row.clock_skew_seconds ?? null, keyThumbprint: await storedThumbprint(row) };
  const documents = storedDocuments(row);
  let chain: KeyChain | null = null;
  let problem: KeyTrustError | null = documents instanceof KeyTrustError ? documents : null;
  if (!problem && (documents as unknown[]).length) {
    try {
      chain = await verifyKeyChain(documents as unknown[], root?.length ? root : null);
    } catch (err) {
      if (!(err instanceof KeyTrustError)) throw err;
      problem = err;
    }
  }
  return { ...base, chain, pins: chain ? chainTip(chain) : null, problem, floor: storedTimeFloor(row.server_time_floor, chain) };
}

/** The service's time as this appliance knows it, for judging a newly offered key document. */
export const referenceTime = (t: ApplianceTrust, clock: Date) => serviceTime(clock, t.floor, t.skewSeconds);

export interface JudgeOptions {
  clock: Date;
  graceSeconds: number;
}

/** The stored license judged with the verified pins and the time floor (null: no license stored). */
export async function storedLicense(row: LicenseStateRow, t: ApplianceTrust, o: JudgeOptions): Promise<LicenseCheck | null> {
  if (!row.license_token) return null;
  if (t.problem) {
    return { ok: false, reason: "KEYS_NOT_TRUSTED", message: `the pinned vendor keys were refused (${t.problem.message}), so no license can be verified` };
  }
  return verifyLicense(row.license_token, {
    keys: t.pins,
    tenantId: row.tenant_id,
    applianceId: row.appliance_id,
    now: o.clock,
    timeFloor: t.floor,
    graceSeconds: o.graceSeconds,
    applianceKeyThumbprint: t.keyThumbprint,
  });
}

/** The verified claims of a check, also of an expired license (its signature verified). */
export function verifiedClaims(check: LicenseCheck | null): LicenseClaims | null {
  if (!check) return null;
  if (check.ok) return check.claims;
  return check.reason === "EXPIRED" ? (check.claims as LicenseClaims) : null;
}

/** Licenses are ordered by iat: of two writers the newer one stays, whatever the order. */
export function isNewerLicense(candidate: Pick<LicenseClaims, "iat" | "jti">, stored: Pick<LicenseClaims, "iat" | "jti"> | null): boolean {
  if (!stored) return true;
  // iat has whole seconds: two licenses of one second are equally new, and the later answer wins (a
  // check-in right after the install must store its license); only an older one is refused
  return candidate.iat !== stored.iat ? candidate.iat > stored.iat : candidate.jti !== stored.jti;
}

/** What the operator reads about where the pinned keys' trust comes from. */
export function trustMessage(t: ApplianceTrust): string {
  if (t.problem) return `REFUSED — ${t.problem.message}`;
  if (!t.chain)
    return t.anchored
      ? "nothing pinned yet; the vendor keys shipped with this appliance are its root"
      : "nothing pinned yet and no root configured (ALGA_VENDOR_KEYS)";
  return t.anchored
    ? `anchored: the pinned keys chain to the vendor keys shipped with this appliance (ALGA_VENDOR_KEYS), ${t.chain.links.length} document(s)`
    : "UNANCHORED: no root is configured (ALGA_VENDOR_KEYS), the pinned keys were trusted on first use; whoever can rewrite this appliance's stored chain of keys can replace them";
}
