// The key hand-over document (GET /.well-known/license-keys.jws): the published public keys, signed
// by every private key still in service. An appliance pins the vendor's keys at install; later it
// accepts a new key only from this document, fetched over its configured service URL, when a key it
// already trusts signed it — so a rotation (new key first, old key kept for one license lifetime)
// reaches every appliance that checks in during the overlap, and nobody can inject a key without one.
// The document's format is the contract's (contract/src/license/key-document.ts).
import { KEY_HANDOVER_TYPE, type KeyHandoverPayload, type PublicJwk } from "@alga-license/contract";
import { GeneralSign, type GeneralJWS } from "jose";
import type { SigningKeySet } from "./signing-keys.js";

export async function signKeyHandover(keys: SigningKeySet, issuer: string, now = Date.now()): Promise<GeneralJWS> {
  const payload: KeyHandoverPayload = { iss: issuer, iat: Math.floor(now / 1000), keys: keys.publicJwks(now).keys as PublicJwk[] };
  const jws = new GeneralSign(new TextEncoder().encode(JSON.stringify(payload)));
  for (const s of keys.handoverSigners(now)) jws.addSignature(s.key).setProtectedHeader({ alg: s.alg, kid: s.kid, typ: KEY_HANDOVER_TYPE });
  return jws.sign();
}

/**
 * Cached for a few minutes: the document changes only on rotation. Dated by the service's clock (the
 * one licenses are issued with): its iat is server-signed time the appliance keeps as a floor.
 */
export function keyHandoverCache(keys: SigningKeySet, issuer: () => string, clock: () => Date = () => new Date(), ttlMs = 5 * 60_000) {
  let cached: { at: number; doc: GeneralJWS } | undefined;
  return async () => {
    const now = clock().getTime();
    if (!cached || Math.abs(now - cached.at) > ttlMs) cached = { at: now, doc: await signKeyHandover(keys, issuer(), now) };
    return cached.doc;
  };
}
