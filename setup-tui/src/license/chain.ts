// The appliance's chain of trust in the vendor's keys. The root is the vendor keys shipped with the
// appliance (ALGA_VENDOR_KEYS); without one, the first document accepted (trust on first use, once, at
// the first bootstrap) stands in for it and the appliance is "unanchored". A new key hand-over document
// is accepted when a root key or a key of the pinned document signed it, it is not older than the pinned
// document and not dated in the future. The appliance keeps the accepted documents that link its pins
// back to the root (license_state.key_chain; its last one is vendor_keys) and re-verifies them on every
// read: after the vendor retires a key, the document it signed still vouches for its successor, and
// nothing is trusted because it sits in the database.
import type { JWK } from "jose";
import { KeyTrustError, pinnedKeys, refuseFutureDated, signedBy, type VendorKeys } from "./verify.js";

export interface KeyChain {
  /** links[0] is signed by a root key (or by its own keys when unanchored); each later one by its predecessor */
  links: VendorKeys[];
  /** verified from root keys shipped with the appliance; false: from a document trusted on first use */
  anchored: boolean;
}

/** The pinned document: the keys licenses are verified with. */
export const chainTip = (c: KeyChain): VendorKeys => c.links[c.links.length - 1]!;
export const chainDocuments = (c: KeyChain) => c.links.map((l) => l.document);

/** The same document: same payload, same signatures. */
export function sameDocument(a: VendorKeys, b: VendorKeys): boolean {
  const signatures = (d: VendorKeys) =>
    d.document.signatures
      .map((s) => `${s.protected ?? ""}.${s.signature}`)
      .sort()
      .join();
  return a.document.payload === b.document.payload && signatures(a) === signatures(b);
}

/** Re-verifies stored documents from the root (or from the first one when unanchored); throws KeyTrustError. */
export async function verifyKeyChain(documents: unknown[], root: JWK[] | null): Promise<KeyChain> {
  if (!documents.length) throw new KeyTrustError("MALFORMED", "the stored chain of vendor key documents is empty");
  const links = documents.map((d) => pinnedKeys(d));
  let start = 0;
  if (root) {
    // links before the newest root-signed one are not needed to trust it
    start = -1;
    for (let i = links.length - 1; i >= 0 && start < 0; i--) if (await signedBy(links[i]!, root)) start = i;
    if (start < 0)
      throw new KeyTrustError("UNTRUSTED", "the pinned vendor keys do not chain to the vendor keys shipped with this appliance (ALGA_VENDOR_KEYS)");
  } else if (!(await signedBy(links[0]!, links[0]!.keys))) {
    throw new KeyTrustError("UNTRUSTED", "the first pinned key document is not signed by its own keys");
  }
  for (let i = start + 1; i < links.length; i++) {
    const [previous, link] = [links[i - 1]!, links[i]!];
    if (!(await signedBy(link, previous.keys)))
      throw new KeyTrustError("UNTRUSTED", `pinned key document ${i + 1} of ${links.length} is not signed by a key of the one before it`);
    if (link.issuedAt < previous.issuedAt)
      throw new KeyTrustError("OUTDATED", `pinned key document ${i + 1} of ${links.length} is older than the one before it`);
  }
  return { links: links.slice(start), anchored: !!root };
}

export interface ExtendOptions {
  root: JWK[] | null;
  /** the service's time as the appliance knows it (clock.ts): a document dated later is refused */
  reference: Date;
  /** nothing is pinned and this is the first bootstrap: a document signed by its own keys may start the chain */
  firstUse?: boolean;
  /** a license from the same service answer, verified under the candidate's keys: its iat vouches for the date */
  evidence?: (candidate: VendorKeys) => Promise<Date | null>;
}

/**
 * The chain with a newly offered document at its end. Only a root key or a key of the pinned document
 * may sign it (a key the vendor has retired since vouches for nothing new). The chain is kept short: the
 * document is attached to the earliest link whose keys signed it too, and a root-signed one starts afresh.
 */
export async function extendKeyChain(chain: KeyChain | null, document: unknown, o: ExtendOptions): Promise<KeyChain> {
  const doc = pinnedKeys(document);
  const tip = chain ? chainTip(chain) : null;
  if (tip && sameDocument(tip, doc)) return chain!;
  let next: KeyChain;
  if (o.root && (await signedBy(doc, o.root))) next = { links: [doc], anchored: true };
  else if (chain && tip) {
    if (!(await signedBy(doc, tip.keys)))
      throw new KeyTrustError("UNTRUSTED", "the key hand-over document is not signed by a key this appliance already trusts: its keys were not accepted");
    let j = 0;
    while (j < chain.links.length - 1 && !(await signedBy(doc, chain.links[j]!.keys))) j++;
    next = { links: [...chain.links.slice(0, j + 1), doc], anchored: chain.anchored };
  } else if (o.root) {
    throw new KeyTrustError("UNTRUSTED", "the key hand-over document is not signed by a vendor key shipped with this appliance: its keys were not accepted");
  } else if (!o.firstUse) {
    throw new KeyTrustError(
      "UNTRUSTED",
      "no vendor keys are pinned on this appliance and trust on first use happens only at its first bootstrap: set ALGA_VENDOR_KEYS to the vendor's keys",
    );
  } else if (await signedBy(doc, doc.keys)) next = { links: [doc], anchored: false };
  else throw new KeyTrustError("UNTRUSTED", "the key hand-over document is not signed by one of its own keys: its keys were not accepted");
  if (tip && doc.issuedAt < tip.issuedAt) {
    throw new KeyTrustError("OUTDATED", "the key hand-over document is older than the keys this appliance pinned: its keys were not accepted");
  }
  try {
    refuseFutureDated(doc, o.reference);
  } catch (err) {
    // the appliance's clock may be behind: a license of the same answer carries the service's time
    const vouched = o.evidence ? await o.evidence(doc) : null;
    if (!vouched) throw err;
    refuseFutureDated(doc, new Date(Math.max(o.reference.getTime(), vouched.getTime())));
  }
  return next;
}
