// Shared JWS steps of requests and responses.
import { decodeProtectedHeader, type ProtectedHeaderParameters } from "jose";
import { OfflineFormatError } from "./errors.js";
import { OFFLINE_FORMAT_VERSION, OFFLINE_KINDS, type OfflineKind } from "./types.js";

export function header(jws: string, what: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(jws);
  } catch {
    throw new OfflineFormatError("MALFORMED", `Not an offline ${what}: its JWS header does not decode.`);
  }
}

/** The kind a typ names, or null. */
export function kindOfTyp(typ: unknown, table: Record<OfflineKind, string>): OfflineKind | null {
  return OFFLINE_KINDS.find((k) => table[k] === typ) ?? null;
}

export function payloadJson(bytes: Uint8Array, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new OfflineFormatError("MALFORMED", `Not an offline ${what}: the signed content is not JSON.`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v))
    throw new OfflineFormatError("MALFORMED", `Not an offline ${what}: the signed content is not a JSON object.`);
  return v as Record<string, unknown>;
}

/** ver and kind of a verified payload against what the header and the file said. */
export function checkVerAndKind(p: Record<string, unknown>, kinds: (OfflineKind | null | undefined)[], what: string): OfflineKind {
  if (typeof p.ver === "number" && Number.isInteger(p.ver) && p.ver > OFFLINE_FORMAT_VERSION) {
    throw new OfflineFormatError(
      "NEWER_VERSION",
      `This ${what} (version ${p.ver}) was made by a newer tool than this one (reads version ${OFFLINE_FORMAT_VERSION}): update this tool.`,
    );
  }
  if (p.ver !== OFFLINE_FORMAT_VERSION) throw new OfflineFormatError("INVALID_PAYLOAD", `ver: must be ${OFFLINE_FORMAT_VERSION}`, "ver");
  const kind = p.kind as OfflineKind;
  if (!OFFLINE_KINDS.includes(kind)) throw new OfflineFormatError("INVALID_PAYLOAD", 'kind: must be "activation" or "renewal"', "kind");
  for (const k of kinds) {
    if (k && k !== kind) {
      throw new OfflineFormatError(
        "WRONG_KIND",
        `This is a${kind === "activation" ? "n activation" : " renewal"} ${what}, not a${k === "activation" ? "n activation" : " renewal"} one.`,
      );
    }
  }
  return kind;
}
