// Response files: a compact JWS signed by the control plane's current license signing key (kid in the
// header), bound to the request's nonce, appliance id and appliance key (jkt).
import { CompactSign, compactVerify, decodeJwt, importJWK, type JWK } from "jose";
import { OfflineFormatError } from "./errors.js";
import { offlineResponseFile, readOfflineFile } from "./files.js";
import { checkVerAndKind, header, kindOfTyp, payloadJson } from "./jws.js";
import { applianceId, b64url, DIGEST_LENGTH, int, iso, NONCE_LENGTH, obj, oneOf, str, strOrNull, uuid, type Obj } from "./shape.js";
import {
  OFFLINE_EDITIONS,
  OFFLINE_FORMAT_VERSION,
  OFFLINE_REQUEST_TYP,
  OFFLINE_RESPONSE_FORMAT,
  OFFLINE_RESPONSE_TYP,
  SEAT_REPORT_CHAINS,
  type ActivationResponsePayload,
  type KeyDocument,
  type OfflineKind,
  type OfflineResponsePayload,
  type RenewalResponsePayload,
} from "./types.js";

export type ResponseSigningKey = Parameters<CompactSign["sign"]>[0];

export interface ResponseSigner {
  key: ResponseSigningKey;
  alg: string;
  kid: string;
}

/** Signs a response payload; returns the compact JWS and the response file's text. */
export async function signOfflineResponse(payload: OfflineResponsePayload, signer: ResponseSigner): Promise<{ jws: string; file: string }> {
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: OFFLINE_RESPONSE_TYP[payload.kind] })
    .sign(signer.key);
  return { jws, file: offlineResponseFile(payload.kind, jws) };
}

function keyDocument(v: unknown): KeyDocument {
  const o = obj(v, "keys");
  if (typeof o.payload !== "string" || !Array.isArray(o.signatures) || o.signatures.length === 0) {
    throw new OfflineFormatError("INVALID_PAYLOAD", "keys: must be the key hand-over document (General JWS JSON)", "keys");
  }
  return o as unknown as KeyDocument;
}

function license(o: Obj, nullable = false): string | null {
  if (nullable && o.license === null) return null;
  const jwt = str(o, "license", 16_384);
  try {
    decodeJwt(jwt);
  } catch {
    throw new OfflineFormatError("INVALID_PAYLOAD", "license: not a JWT", "license");
  }
  return jwt;
}

function parsePayload(p: Obj, kind: OfflineKind): OfflineResponsePayload {
  const common = {
    ver: OFFLINE_FORMAT_VERSION,
    nonce: b64url(p, "nonce", NONCE_LENGTH),
    applianceId: applianceId(p),
    jkt: b64url(p, "jkt", DIGEST_LENGTH),
    tenantId: uuid(p, "tenantId"),
    edition: oneOf(p, "edition", OFFLINE_EDITIONS),
    keys: keyDocument(p.keys),
    iat: int(p, "iat", 0),
  } as const;
  if (kind === "activation") {
    return {
      ...common,
      kind,
      license: license(p, true),
      companyName: str(p, "companyName", 500),
      adminEmail: str(p, "adminEmail", 320),
      redeemedAt: iso(p, "redeemedAt"),
      credential: strOrNull(p, "credential", 512),
      checkInUrl: strOrNull(p, "checkInUrl", 2048),
    };
  }
  const report = obj(p.report, "report");
  return {
    ...common,
    kind,
    license: license(p)!,
    report: { seq: int(report, "seq", 1, "report."), chain: oneOf(report, "chain", SEAT_REPORT_CHAINS, "report.") },
  };
}

export interface DecodedOfflineResponse<P extends OfflineResponsePayload = OfflineResponsePayload> {
  kind: P["kind"];
  payload: P;
  /** the signing key's id (header kid) */
  kid: string | undefined;
  alg: string | undefined;
  jws: string;
}

type Narrow<K extends OfflineKind> = K extends "activation" ? ActivationResponsePayload : K extends "renewal" ? RenewalResponsePayload : OfflineResponsePayload;

function unwrap(text: string) {
  const file = readOfflineFile(text, OFFLINE_RESPONSE_FORMAT);
  const h = header(file.jws, "response");
  const typKind = kindOfTyp(h.typ, OFFLINE_RESPONSE_TYP);
  if (!typKind) {
    throw new OfflineFormatError(
      "WRONG_FORMAT",
      kindOfTyp(h.typ, OFFLINE_REQUEST_TYP)
        ? "This is an offline request, not a response: give it to the vendor instead."
        : `Not an offline response: JWS typ ${JSON.stringify(h.typ ?? null)}.`,
    );
  }
  return { file, h, typKind };
}

/**
 * Reads a response WITHOUT verifying its signature: for finding the key document inside (trust on
 * first use goes through the appliance's chain check) before verifyOfflineResponse. Never act on it.
 */
export function decodeOfflineResponseUnverified(text: string): DecodedOfflineResponse {
  const { file, h, typKind } = unwrap(text);
  const parts = file.jws.split(".");
  const p = payloadJson(Buffer.from(parts[1]!, "base64url"), "response");
  const kind = checkVerAndKind(p, [typKind, file.kind], "response");
  return { kind, payload: parsePayload(p, kind), kid: h.kid, alg: h.alg, jws: file.jws };
}

export interface VerifyResponseOptions<K extends OfflineKind = OfflineKind> {
  /** the public keys trusted to sign (JWKS or list): the key with the header's kid verifies */
  keys: JWK[] | { keys: JWK[] };
  kind?: K;
  /** what the pending request said: a mismatch is WRONG_NONCE / WRONG_APPLIANCE / WRONG_KEY */
  expect?: { nonce?: string; applianceId?: string; jkt?: string };
}

/**
 * A response file (or bare compact JWS) → its verified payload. Throws OfflineFormatError: MALFORMED,
 * WRONG_FORMAT, NEWER_VERSION, WRONG_KIND, UNKNOWN_KEY, BAD_SIGNATURE, INVALID_PAYLOAD, WRONG_NONCE,
 * WRONG_APPLIANCE, WRONG_KEY.
 */
export async function verifyOfflineResponse<K extends OfflineKind = OfflineKind>(
  text: string,
  opts: VerifyResponseOptions<K>,
): Promise<DecodedOfflineResponse<Narrow<K>>> {
  const { file, h, typKind } = unwrap(text);
  const keys = Array.isArray(opts.keys) ? opts.keys : opts.keys.keys;
  const jwk = keys.find((k) => k.kid !== undefined && k.kid === h.kid);
  if (!jwk)
    throw new OfflineFormatError(
      "UNKNOWN_KEY",
      `The response was signed by key ${JSON.stringify(h.kid ?? null)}, which this appliance does not trust (not among its pinned vendor keys).`,
    );
  if (!h.alg || (jwk.alg && jwk.alg !== h.alg))
    throw new OfflineFormatError("BAD_SIGNATURE", `The response's algorithm ${JSON.stringify(h.alg ?? null)} does not match its key.`);
  let bytes: Uint8Array;
  try {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
    const key = await importJWK(publicJwk, h.alg);
    bytes = (await compactVerify(file.jws, key, { algorithms: [h.alg] })).payload;
  } catch {
    throw new OfflineFormatError(
      "BAD_SIGNATURE",
      "The response's signature does not verify: the file was edited or damaged. Ask the vendor for the response again.",
    );
  }
  const p = payloadJson(bytes, "response");
  const kind = checkVerAndKind(p, [typKind, file.kind, opts.kind], "response");
  const payload = parsePayload(p, kind);
  const e = opts.expect ?? {};
  if (e.applianceId !== undefined && payload.applianceId !== e.applianceId) {
    throw new OfflineFormatError(
      "WRONG_APPLIANCE",
      `The response is for appliance ${payload.applianceId}, not this one (${e.applianceId}). Use the response made from this appliance's request.`,
    );
  }
  if (e.jkt !== undefined && payload.jkt !== e.jkt) {
    throw new OfflineFormatError(
      "WRONG_KEY",
      "The response is bound to another appliance key than this appliance's: it was made for another installation. Use the response made from this appliance's request.",
    );
  }
  if (e.nonce !== undefined && payload.nonce !== e.nonce) {
    throw new OfflineFormatError(
      "WRONG_NONCE",
      "The response answers an earlier or another request, not the pending one: use the response to the latest request, or make a new request.",
    );
  }
  return { kind, payload: payload as Narrow<K>, kid: h.kid, alg: h.alg, jws: file.jws };
}
