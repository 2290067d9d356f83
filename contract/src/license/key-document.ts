// The key hand-over document (GET /.well-known/license-keys.jws): a General JWS whose payload lists
// the vendor's public keys, signed by every key still in service, each signature's protected header
// typed KEY_HANDOVER_TYPE. The control plane signs it; the appliance accepts a new key only from a
// document signed by a key it already trusts.

export const KEY_HANDOVER_TYPE = "alga-license-keys+jws";

/** A public JWK as the document carries it (kty and kid always; never private parts). */
export interface PublicJwk {
  kty: string;
  kid?: string;
  [parameter: string]: unknown;
}

export interface KeyHandoverPayload<K = PublicJwk> {
  /** the vendor's issuer URL: the iss of the licenses these keys sign */
  iss: string;
  /** when the document was signed (seconds): an appliance never goes back to an older one */
  iat: number;
  /** the public JWKs licenses may be signed with */
  keys: K[];
}

/** JWK members that carry private key material: never in a published document. */
export const PRIVATE_JWK_MEMBERS: readonly string[] = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"];
