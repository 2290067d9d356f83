// The appliance's license verifier: every token the appliance stores or reads goes through it.
//
// - A license is an EdDSA (or ES/RS) JWT from the vendor: the signature must verify against the
//   vendor keys pinned on this appliance, `iss` must be the pinned issuer, `aud` this appliance's
//   tenant id, `sub` its appliance id (when known), and `exp` not past the offline grace.
// - Time: a license is judged at the latest of the appliance's clock, the newest server-signed time
//   the appliance has seen (its time floor: a clock set back revives nothing) and the license's own
//   iat (server-signed too). A license issued "in the future" is accepted while that lead is smaller
//   than its lifetime (the appliance's clock is behind: it is judged by the service's time).
// - Vendor keys are pinned from key hand-over documents (a General JWS of { iss, iat, keys } signed by
//   every key still in service, published at /.well-known/license-keys.jws). Which documents are
//   accepted, and how the stored ones are re-verified from the root on every read: chain.ts.
import {
  EDITIONS,
  KEY_HANDOVER_TYPE,
  LICENSE_ALGORITHMS,
  parseLicenseClaims,
  PRIVATE_JWK_MEMBERS,
  type KeyHandoverPayload,
  type LicenseClaims,
  type LicenseEdition,
} from "@alga-license/contract";
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, errors, generalVerify, type GeneralJWSInput, type JWK } from "jose";
import { boundThumbprint, keyBindingProblem } from "./key-binding.js";

// the license format is the contract's (contract/src/license): re-exported for the appliance's modules
export { EDITIONS, KEY_HANDOVER_TYPE, LICENSE_ALGORITHMS };
export type { LicenseClaims, LicenseEdition };
/** How long an expired license is still honoured while the license service cannot be reached. */
export const DEFAULT_OFFLINE_GRACE_SECONDS = 72 * 3600;
/** Clock skew tolerated between the vendor and the appliance: a key document may be dated this far ahead. */
export const CLOCK_TOLERANCE_SECONDS = 300;

/** The vendor keys an appliance trusts, with the signed document they came from. */
export interface VendorKeys {
  issuer: string;
  /** the hand-over document's iat (seconds): an older document never replaces these */
  issuedAt: number;
  keys: JWK[];
  /** the signed key hand-over document, kept so the pins can be shown and re-checked */
  document: GeneralJWSInput;
}

/** FUTURE: dated ahead of the service's time as this appliance knows it (it would block every later document) */
export type KeyTrustProblem = "MALFORMED" | "UNTRUSTED" | "OUTDATED" | "FUTURE";

export class KeyTrustError extends Error {
  constructor(
    readonly reason: KeyTrustProblem,
    message: string,
  ) {
    super(message);
    this.name = "KeyTrustError";
  }
}

const PRIVATE_PARTS = PRIVATE_JWK_MEMBERS;

function parseHandoverPayload(document: unknown): { payload: KeyHandoverPayload<JWK>; jws: GeneralJWSInput } {
  const jws = document as GeneralJWSInput;
  if (!jws || typeof jws !== "object" || typeof jws.payload !== "string" || !Array.isArray(jws.signatures) || jws.signatures.length === 0) {
    throw new KeyTrustError("MALFORMED", "the key hand-over document is not a signed JWS (General JSON serialization)");
  }
  let payload: { iss?: unknown; iat?: unknown; keys?: unknown };
  try {
    payload = JSON.parse(Buffer.from(jws.payload, "base64url").toString("utf8")) as typeof payload;
  } catch {
    throw new KeyTrustError("MALFORMED", "the key hand-over document's payload is not JSON");
  }
  const keys = payload.keys;
  if (typeof payload.iss !== "string" || !payload.iss || typeof payload.iat !== "number" || !Array.isArray(keys) || keys.length === 0) {
    throw new KeyTrustError("MALFORMED", "the key hand-over document must carry iss, iat and a non-empty list of keys");
  }
  for (const k of keys as JWK[]) {
    if (!k || typeof k !== "object" || typeof k.kty !== "string" || typeof k.kid !== "string") {
      throw new KeyTrustError("MALFORMED", "every vendor key needs kty and kid");
    }
    if (PRIVATE_PARTS.some((p) => p in k)) throw new KeyTrustError("MALFORMED", `vendor key ${k.kid} carries private key material`);
  }
  return { payload: { iss: payload.iss, iat: payload.iat, keys: keys as JWK[] }, jws };
}

/** A key hand-over document's contents, shape checked only: whether to trust it is chain.ts's decision. */
export function pinnedKeys(document: unknown): VendorKeys {
  let parsed = document;
  if (typeof document === "string") {
    try {
      parsed = JSON.parse(document);
    } catch {
      throw new KeyTrustError("MALFORMED", "the key hand-over document is not JSON");
    }
  }
  const { payload, jws } = parseHandoverPayload(parsed);
  return { issuer: payload.iss, issuedAt: payload.iat, keys: payload.keys, document: jws };
}

/** Parses vendor keys shipped with the image: a JWKS ({ keys: [...] }), a JWK array or one JWK. */
export function parseVendorKeys(text: string): JWK[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeyTrustError("MALFORMED", 'vendor keys must be JSON: a JWKS ({"keys": [...]}), a JWK array or one JWK');
  }
  const keys = Array.isArray(parsed) ? parsed : parsed && typeof parsed === "object" && "keys" in parsed ? (parsed as { keys: unknown }).keys : [parsed];
  if (!Array.isArray(keys) || keys.length === 0) throw new KeyTrustError("MALFORMED", "no vendor keys found");
  for (const k of keys as JWK[]) {
    if (!k || typeof k !== "object" || typeof k.kty !== "string" || typeof k.kid !== "string")
      throw new KeyTrustError("MALFORMED", "every vendor key needs kty and kid");
    if (PRIVATE_PARTS.some((p) => p in k)) throw new KeyTrustError("MALFORMED", `vendor key ${k.kid} carries private key material`);
  }
  return keys as JWK[];
}

/**
 * Whether one of the document's signatures verifies under one of these keys (and is typed as a key
 * hand-over: another JWS signed by a vendor key is not one).
 */
export async function signedBy(doc: VendorKeys, keys: JWK[]): Promise<boolean> {
  let header: { typ?: unknown } | undefined;
  try {
    ({ protectedHeader: header } = await generalVerify(doc.document, createLocalJWKSet({ keys }), { algorithms: [...LICENSE_ALGORITHMS] }));
  } catch {
    return false;
  }
  if (header?.typ !== KEY_HANDOVER_TYPE)
    throw new KeyTrustError("MALFORMED", `the key hand-over document's type is ${String(header?.typ)}, not ${KEY_HANDOVER_TYPE}`);
  return true;
}

const at = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z");

/**
 * A document dated more than CLOCK_TOLERANCE_SECONDS ahead of `reference` (the service's time as the
 * appliance knows it) is refused: accepted, it would count every genuine later document as older.
 */
export function refuseFutureDated(doc: VendorKeys, reference: Date): void {
  if (doc.issuedAt * 1000 > reference.getTime() + CLOCK_TOLERANCE_SECONDS * 1000) {
    throw new KeyTrustError(
      "FUTURE",
      `the key hand-over document is dated ${at(doc.issuedAt)}, ahead of the license service's time as this appliance knows it (${at(Math.floor(reference.getTime() / 1000))}): its keys were not accepted (check this appliance's clock)`,
    );
  }
}

export interface HandoverTrust {
  /** the keys this appliance pins today: a document must be signed by one of them */
  pinned?: VendorKeys | null;
  /** without pins: keys shipped in the image that must have signed the first document */
  anchors?: JWK[] | null;
  /** the service's time as the appliance knows it (default: its clock): the document may not be dated later */
  reference?: Date;
}

/**
 * One step of the key hand-over: a document signed by a pinned key (or, before anything is pinned, by
 * an image anchor key, or else by one of its own keys: trust on first use), typed as a hand-over, not
 * older than the pinned document and not dated in the future. Returns the new pins. (The appliance's
 * commands go through chain.ts, which applies this rule along the stored chain.)
 */
export async function acceptKeyHandover(document: unknown, trust: HandoverTrust = {}): Promise<VendorKeys> {
  const doc = pinnedKeys(document);
  const signers = trust.pinned?.keys ?? trust.anchors ?? doc.keys;
  const by = trust.pinned ? "a key this appliance already trusts" : trust.anchors ? "a vendor key shipped with this appliance" : "one of its own keys";
  if (!(await signedBy(doc, signers))) throw new KeyTrustError("UNTRUSTED", `the key hand-over document is not signed by ${by}: its keys were not accepted`);
  if (trust.pinned && doc.issuedAt < trust.pinned.issuedAt) {
    throw new KeyTrustError("OUTDATED", "the key hand-over document is older than the keys this appliance pinned: its keys were not accepted");
  }
  refuseFutureDated(doc, trust.reference ?? new Date());
  return doc;
}

export type LicenseProblem =
  | "MALFORMED"
  | "UNKNOWN_KEY"
  | "BAD_SIGNATURE"
  | "WRONG_ISSUER"
  | "WRONG_TENANT"
  | "WRONG_APPLIANCE"
  /** bound (cnf.jkt) to another appliance key than this appliance's */
  | "WRONG_APPLIANCE_KEY"
  | "NOT_YET_VALID"
  | "EXPIRED"
  | "NO_KEYS"
  /** a token of a newer format than these tools understand: the appliance tools must be updated */
  | "UNSUPPORTED_VERSION"
  /** the pinned vendor keys themselves do not verify (chain.ts): nothing can be trusted with them */
  | "KEYS_NOT_TRUSTED";

export type LicenseCheck =
  | {
      ok: true;
      /** valid: before exp; in-grace: past exp but within the offline grace (refresh it soon) */
      state: "valid" | "in-grace";
      claims: LicenseClaims;
      expiresAt: Date;
      /** the last moment the license is honoured: exp + offline grace */
      graceEndsAt: Date;
      /** the time it was judged at: the latest of the clock, the time floor and its iat */
      judgedAt: Date;
      message: string;
    }
  | { ok: false; reason: LicenseProblem; message: string; claims?: Partial<LicenseClaims>; judgedAt?: Date };

export interface VerifyOptions {
  keys: VendorKeys | null | undefined;
  /** this appliance's tenant id: the license's aud */
  tenantId: string;
  /** this appliance's id: the license's sub (checked when given) */
  applianceId?: string | null;
  /** the appliance's clock */
  now?: Date;
  /** the newest server-signed time this appliance has seen (clock.ts): the license is never judged earlier */
  timeFloor?: Date | null;
  graceSeconds?: number;
  /** this appliance key's thumbprint (null: it has none): a license bound to another key is refused (key-binding.ts) */
  applianceKeyThumbprint?: string | null;
}

const day = (d: Date) =>
  d
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");

function unverifiedClaims(token: string): Partial<LicenseClaims> | undefined {
  try {
    return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Partial<LicenseClaims>;
  } catch {
    return undefined;
  }
}

/** Verifies a license offline. Never throws for a bad token: it says why it is refused. */
export async function verifyLicense(token: string, o: VerifyOptions): Promise<LicenseCheck> {
  const refuse = (reason: LicenseProblem, message: string): LicenseCheck => ({ ok: false, reason, message, claims: unverifiedClaims(token) });
  if (!o.keys?.keys.length) return refuse("NO_KEYS", "no vendor keys are pinned on this appliance, so the license cannot be verified");
  let payload: Uint8Array;
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
    ({ payload } = await compactVerify(token, createLocalJWKSet({ keys: o.keys.keys }), { algorithms: [...LICENSE_ALGORITHMS] }));
  } catch (err) {
    if (err instanceof errors.JWKSNoMatchingKey)
      return refuse("UNKNOWN_KEY", `the license is signed by a key this appliance does not trust (kid ${kid ?? "none"}): refused`);
    if (err instanceof errors.JWSSignatureVerificationFailed)
      return refuse("BAD_SIGNATURE", "the license's signature does not verify: it was forged or altered, refused");
    return refuse("MALFORMED", "the license is not a well-formed signed token: refused");
  }
  let payloadJson: unknown;
  try {
    payloadJson = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return refuse("MALFORMED", "the license's claims are not JSON: refused");
  }
  const parsed = parseLicenseClaims(payloadJson);
  if (!parsed.ok) return refuse(parsed.problem, parsed.message);
  const c = parsed.claims;
  const aud = parsed.audiences;
  if (c.iss !== o.keys.issuer) return refuse("WRONG_ISSUER", `the license was issued by ${c.iss}, not by ${o.keys.issuer}: refused`);
  if (!aud.includes(o.tenantId))
    return refuse("WRONG_TENANT", `the license is for tenant ${aud.join(", ")}, not for this appliance's tenant ${o.tenantId}: refused`);
  if (o.applianceId && c.sub !== o.applianceId)
    return refuse("WRONG_APPLIANCE", `the license is for appliance ${c.sub}, not for this appliance (${o.applianceId}): refused`);
  const jkt = boundThumbprint(c.cnf);
  const unbound = o.applianceKeyThumbprint === undefined ? null : keyBindingProblem(jkt, o.applianceKeyThumbprint);
  if (unbound) return refuse("WRONG_APPLIANCE_KEY", unbound);
  // judged at the latest time known to have passed: a clock behind (or set back) makes no difference
  // within what the service signed; a lead larger than the license's lifetime is not a clock skew
  const clock = Math.max((o.now ?? new Date()).getTime(), o.timeFloor?.getTime() ?? 0);
  const lead = c.iat * 1000 - clock;
  if (lead > Math.max(CLOCK_TOLERANCE_SECONDS, c.exp - c.iat) * 1000) {
    return refuse(
      "NOT_YET_VALID",
      `the license was issued in the future (${day(new Date(c.iat * 1000))}), further ahead of this appliance's clock than its lifetime: check this appliance's clock`,
    );
  }
  const now = Math.max(clock, c.iat * 1000);
  const judgedAt = new Date(now);
  const claims: LicenseClaims = { ...c, aud: o.tenantId, kid };
  const expiresAt = new Date(c.exp * 1000);
  const graceEndsAt = new Date(expiresAt.getTime() + (o.graceSeconds ?? DEFAULT_OFFLINE_GRACE_SECONDS) * 1000);
  if (now < expiresAt.getTime()) return { ok: true, state: "valid", claims, expiresAt, graceEndsAt, judgedAt, message: `valid until ${day(expiresAt)}` };
  if (now < graceEndsAt.getTime()) {
    return {
      ok: true,
      state: "in-grace",
      claims,
      expiresAt,
      graceEndsAt,
      judgedAt,
      message: `expired ${day(expiresAt)}, honoured within the offline grace until ${day(graceEndsAt)}: the check-in must refresh it`,
    };
  }
  return {
    ok: false,
    reason: "EXPIRED",
    message: `the license expired ${day(expiresAt)} and its offline grace ended ${day(graceEndsAt)}: refused`,
    claims,
    judgedAt,
  };
}

/** What the appliance runs as: the verified license's edition, else ESSENTIALS. */
export const effectiveEdition = (check: LicenseCheck | null | undefined): LicenseEdition => (check?.ok ? check.claims.edition : "ESSENTIALS");
