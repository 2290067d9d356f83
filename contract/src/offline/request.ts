// Request files: a compact JWS (EdDSA) signed by the appliance key, the public key in the header (jwk).
import { randomBytes } from "node:crypto";
import { CompactSign, compactVerify, importJWK } from "jose";
import { canonicalizeInstallCode } from "../install-code.js";
import { OfflineFormatError } from "./errors.js";
import { offlineRequestFile, readOfflineFile } from "./files.js";
import { checkVerAndKind, header, kindOfTyp, payloadJson } from "./jws.js";
import { applianceKeyThumbprint, installCodeRequestDigest, parseAppliancePublicKey, publicApplianceKey } from "./keys.js";
import { parseSeatReport } from "./report.js";
import { applianceId, b64url, DIGEST_LENGTH, int, NONCE_LENGTH, str, strOrNull, uuid } from "./shape.js";
import {
  OFFLINE_FORMAT_VERSION,
  OFFLINE_REQUEST_FORMAT,
  OFFLINE_REQUEST_TYP,
  OFFLINE_RESPONSE_TYP,
  type ActivationRequestPayload,
  type AppliancePrivateJwk,
  type AppliancePublicJwk,
  type OfflineKind,
  type OfflineRequestPayload,
  type RenewalRequestPayload,
  type SeatReport,
} from "./types.js";

/** base64url of 16 random bytes */
export const newOfflineNonce = () => randomBytes(16).toString("base64url");

/** How far ahead of the verifier's clock a request may be dated (appliance clocks drift). */
export const OFFLINE_REQUEST_MAX_AHEAD_SECONDS = 24 * 3600;

export interface SignedOfflineRequest<P extends OfflineRequestPayload> {
  payload: P;
  /** compact JWS */
  jws: string;
  /** the request file's text */
  file: string;
}

async function sign<P extends OfflineRequestPayload>(privateKey: AppliancePrivateJwk, payload: P): Promise<SignedOfflineRequest<P>> {
  const key = await importJWK({ kty: "OKP", crv: "Ed25519", x: privateKey.x, d: privateKey.d }, "EdDSA");
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: "EdDSA", typ: OFFLINE_REQUEST_TYP[payload.kind], jwk: { ...publicApplianceKey(privateKey) } })
    .sign(key);
  return { payload, jws, file: offlineRequestFile(payload.kind, jws) };
}

const seconds = (now?: Date) => Math.floor((now ?? new Date()).getTime() / 1000);

export interface ActivationRequestInput {
  privateKey: AppliancePrivateJwk;
  applianceId: string;
  /** the install code as typed (canonicalized here), or codeDigest */
  installCode?: string;
  codeDigest?: string;
  /** "alga-setup/<version>" */
  tool: string;
  nonce?: string;
  now?: Date;
}

export function signActivationRequest(input: ActivationRequestInput): Promise<SignedOfflineRequest<ActivationRequestPayload>> {
  let codeDigest = input.codeDigest;
  if (!codeDigest) {
    const canonical = input.installCode === undefined ? null : canonicalizeInstallCode(input.installCode);
    if (!canonical) throw new OfflineFormatError("INVALID_PAYLOAD", "installCode: an install code (or codeDigest) is needed", "installCode");
    codeDigest = installCodeRequestDigest(canonical);
  }
  return sign(input.privateKey, {
    ver: OFFLINE_FORMAT_VERSION,
    kind: "activation",
    applianceId: input.applianceId,
    nonce: input.nonce ?? newOfflineNonce(),
    codeDigest,
    iat: seconds(input.now),
    tool: input.tool,
  });
}

export interface RenewalRequestInput {
  privateKey: AppliancePrivateJwk;
  applianceId: string;
  tenantId: string;
  tool: string;
  licenseJti: string | null;
  report: SeatReport;
  nonce?: string;
  now?: Date;
}

export function signRenewalRequest(input: RenewalRequestInput): Promise<SignedOfflineRequest<RenewalRequestPayload>> {
  return sign(input.privateKey, {
    ver: OFFLINE_FORMAT_VERSION,
    kind: "renewal",
    applianceId: input.applianceId,
    tenantId: input.tenantId,
    nonce: input.nonce ?? newOfflineNonce(),
    iat: seconds(input.now),
    tool: input.tool,
    licenseJti: input.licenseJti,
    report: input.report,
  });
}

export interface VerifiedOfflineRequest<P extends OfflineRequestPayload = OfflineRequestPayload> {
  kind: P["kind"];
  payload: P;
  /** the appliance key that signed it (from the header) */
  publicJwk: AppliancePublicJwk;
  /** its RFC 7638 thumbprint */
  jkt: string;
  jws: string;
}

export interface VerifyRequestOptions<K extends OfflineKind = OfflineKind> {
  /** the kind the caller expects (WRONG_KIND otherwise) */
  kind?: K;
  /** with maxAgeSeconds: iat older than that is STALE, more than maxAheadSeconds ahead is FUTURE */
  maxAgeSeconds?: number;
  maxAheadSeconds?: number;
  now?: Date;
}

type Narrow<K extends OfflineKind> = K extends "activation" ? ActivationRequestPayload : K extends "renewal" ? RenewalRequestPayload : OfflineRequestPayload;

/**
 * A request file (or bare compact JWS) → its verified payload and the key that signed it. Throws
 * OfflineFormatError: MALFORMED, WRONG_FORMAT, NEWER_VERSION, WRONG_KIND, BAD_SIGNATURE,
 * INVALID_PAYLOAD, and (with maxAgeSeconds) STALE or FUTURE.
 */
export async function verifyOfflineRequest<K extends OfflineKind = OfflineKind>(
  text: string,
  opts: VerifyRequestOptions<K> = {},
): Promise<VerifiedOfflineRequest<Narrow<K>>> {
  const file = readOfflineFile(text, OFFLINE_REQUEST_FORMAT);
  const h = header(file.jws, "request");
  const typKind = kindOfTyp(h.typ, OFFLINE_REQUEST_TYP);
  if (!typKind) {
    throw new OfflineFormatError(
      "WRONG_FORMAT",
      kindOfTyp(h.typ, OFFLINE_RESPONSE_TYP)
        ? "This is an offline response, not a request: give it to the appliance instead."
        : `Not an offline request: JWS typ ${JSON.stringify(h.typ ?? null)}.`,
    );
  }
  if (h.alg !== "EdDSA")
    throw new OfflineFormatError("BAD_SIGNATURE", `Not an offline request: signed with ${JSON.stringify(h.alg)}, expected EdDSA (an Ed25519 appliance key).`);
  let publicJwk: AppliancePublicJwk;
  try {
    publicJwk = parseAppliancePublicKey(h.jwk, "header.jwk");
  } catch (e) {
    throw new OfflineFormatError("INVALID_PAYLOAD", `The request's appliance key is not usable: ${(e as Error).message}`, "header.jwk");
  }
  let bytes: Uint8Array;
  try {
    const key = await importJWK({ ...publicJwk }, "EdDSA");
    bytes = (await compactVerify(file.jws, key, { algorithms: ["EdDSA"] })).payload;
  } catch {
    throw new OfflineFormatError(
      "BAD_SIGNATURE",
      "The request's signature does not verify: the file was edited after the appliance signed it. Make a new request on the appliance.",
    );
  }
  const p = payloadJson(bytes, "request");
  const kind = checkVerAndKind(p, [typKind, file.kind, opts.kind], "request");
  const common = {
    ver: OFFLINE_FORMAT_VERSION,
    applianceId: applianceId(p),
    nonce: b64url(p, "nonce", NONCE_LENGTH),
    iat: int(p, "iat", 0),
    tool: str(p, "tool", 100),
  } as const;
  const payload: OfflineRequestPayload =
    kind === "activation"
      ? { ...common, kind, codeDigest: b64url(p, "codeDigest", DIGEST_LENGTH) }
      : { ...common, kind, tenantId: uuid(p, "tenantId"), licenseJti: strOrNull(p, "licenseJti", 100), report: parseSeatReport(p.report) };

  if (opts.maxAgeSeconds !== undefined) {
    const now = seconds(opts.now);
    const ahead = opts.maxAheadSeconds ?? OFFLINE_REQUEST_MAX_AHEAD_SECONDS;
    const made = new Date(payload.iat * 1000).toISOString();
    if (payload.iat > now + ahead) {
      throw new OfflineFormatError(
        "FUTURE",
        `The request is dated ${made}, more than ${Math.round(ahead / 3600)} h ahead of the service's clock: set the appliance clock right and make a new request.`,
      );
    }
    if (payload.iat < now - opts.maxAgeSeconds) {
      throw new OfflineFormatError(
        "STALE",
        `The request was made ${made}, longer ago than the ${Math.round(opts.maxAgeSeconds / 86400)} day(s) the service accepts: make a new request on the appliance.`,
      );
    }
  }
  return { kind, payload: payload as Narrow<K>, publicJwk, jkt: await applianceKeyThumbprint(publicJwk), jws: file.jws };
}
