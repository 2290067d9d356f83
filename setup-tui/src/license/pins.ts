// Pinning the vendor's keys: fetch the key hand-over document over the configured license service URL
// and accept it under the trust rules of verify.ts (signed by a pinned key; before any pin, by a key
// shipped with the image, or by its own keys — trust on first use over that URL).
import type { JWK } from "jose";
import { fetchKeyHandover } from "../license-api.js";
import { callWithRetry, type RetryHooks, type RetryPolicy } from "../retry.js";
import { acceptKeyHandover, pinnedKeys, type VendorKeys } from "./verify.js";

export interface PinOptions {
  /** the keys pinned today (null: nothing pinned yet) */
  pinned?: VendorKeys | null;
  /** keys shipped with the image (ALGA_VENDOR_KEYS) */
  anchors?: JWK[];
  policy: RetryPolicy;
  hooks?: RetryHooks;
}

/** The vendor keys from the service's key hand-over document; throws KeyTrustError when refused. */
export async function fetchVendorKeys(licenseUrl: string, o: PinOptions): Promise<VendorKeys> {
  const document = await callWithRetry(() => fetchKeyHandover(licenseUrl, { signal: o.hooks?.signal }), o.policy, o.hooks);
  return acceptKeyHandover(document, { pinned: o.pinned ?? null, anchors: o.anchors ?? null });
}

/** Pins stored in license_state.vendor_keys, or null (none yet, or unreadable). */
export function storedPins(value: unknown): VendorKeys | null {
  if (value === null || value === undefined) return null;
  try {
    return pinnedKeys(value);
  } catch {
    return null;
  }
}

/** Whether two key sets differ (a rotation was handed over). */
export const pinsChanged = (a: VendorKeys | null, b: VendorKeys) =>
  !a || a.issuedAt !== b.issuedAt || a.issuer !== b.issuer || a.keys.map((k) => k.kid).join() !== b.keys.map((k) => k.kid).join();
