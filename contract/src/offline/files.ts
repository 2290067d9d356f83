// The files that carry requests and responses: one JSON object + newline. A reader also takes the bare
// compact JWS (what a QR code or pasted text carries; whitespace from line wrapping is ignored).
import { OfflineFormatError } from "./errors.js";
import { OFFLINE_FORMAT_VERSION, OFFLINE_KINDS, OFFLINE_REQUEST_FORMAT, OFFLINE_RESPONSE_FORMAT, type OfflineKind } from "./types.js";

export type OfflineFileFormat = typeof OFFLINE_REQUEST_FORMAT | typeof OFFLINE_RESPONSE_FORMAT;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** far beyond any real request or response (a response holds a license and the key document) */
export const OFFLINE_FILE_MAX_LENGTH = 64 * 1024;

const FIELD: Record<OfflineFileFormat, "request" | "response"> = {
  [OFFLINE_REQUEST_FORMAT]: "request",
  [OFFLINE_RESPONSE_FORMAT]: "response",
};

function fileText(format: OfflineFileFormat, kind: OfflineKind, jws: string): string {
  return `${JSON.stringify({ format, ver: OFFLINE_FORMAT_VERSION, kind, [FIELD[format]]: jws }, null, 2)}\n`;
}

/** The request file an appliance writes (--out). */
export const offlineRequestFile = (kind: OfflineKind, jws: string) => fileText(OFFLINE_REQUEST_FORMAT, kind, jws);
/** The response file the vendor side writes (--out). */
export const offlineResponseFile = (kind: OfflineKind, jws: string) => fileText(OFFLINE_RESPONSE_FORMAT, kind, jws);

export interface OfflineFileContent {
  /** the kind the file names (null for a bare JWS: the signed payload says it) */
  kind: OfflineKind | null;
  jws: string;
}

/** Reads a request or response file (or bare compact JWS); checks the wrapper only, not the signature. */
export function readOfflineFile(text: string, format: OfflineFileFormat): OfflineFileContent {
  const what = FIELD[format];
  if (typeof text !== "string" || text.length > OFFLINE_FILE_MAX_LENGTH) {
    throw new OfflineFormatError("MALFORMED", `Not an offline ${what}: longer than ${OFFLINE_FILE_MAX_LENGTH} characters.`);
  }
  const trimmed = text.replace(/^\uFEFF/, "").trim();
  if (!trimmed.startsWith("{")) {
    const compact = trimmed.replace(/\s+/g, "");
    if (COMPACT_JWS.test(compact)) return { kind: null, jws: compact };
    throw new OfflineFormatError("MALFORMED", `Not an offline ${what}: neither an ${format} file (JSON) nor a compact JWS. Was the file cut short or edited?`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(trimmed) as Record<string, unknown>;
  } catch {
    throw new OfflineFormatError("MALFORMED", `Not an offline ${what}: the JSON does not parse (cut short or edited?).`);
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new OfflineFormatError("MALFORMED", `Not an offline ${what}: not a JSON object.`);
  if (doc.format !== format) {
    const other = format === OFFLINE_REQUEST_FORMAT ? OFFLINE_RESPONSE_FORMAT : OFFLINE_REQUEST_FORMAT;
    throw new OfflineFormatError(
      "WRONG_FORMAT",
      doc.format === other
        ? `This is an offline ${FIELD[other]} file, not a ${what}: ${what === "request" ? "give it to the appliance" : "give it to the vendor"} instead.`
        : `Not an offline ${what}: the file's format is ${JSON.stringify(doc.format ?? null)}, expected "${format}".`,
    );
  }
  if (typeof doc.ver !== "number" || !Number.isInteger(doc.ver) || doc.ver < 1) {
    throw new OfflineFormatError("MALFORMED", `Not an offline ${what}: ver must be a positive integer.`);
  }
  if (doc.ver > OFFLINE_FORMAT_VERSION) {
    throw new OfflineFormatError(
      "NEWER_VERSION",
      `This ${what} file (version ${doc.ver}) was made by a newer tool than this one (reads version ${OFFLINE_FORMAT_VERSION}): update this tool.`,
    );
  }
  if (typeof doc.kind !== "string" || !OFFLINE_KINDS.includes(doc.kind as OfflineKind)) {
    throw new OfflineFormatError("WRONG_KIND", `Not an offline ${what}: kind must be "activation" or "renewal".`);
  }
  const jws = doc[what];
  if (typeof jws !== "string" || !COMPACT_JWS.test(jws))
    throw new OfflineFormatError("MALFORMED", `Not an offline ${what}: its "${what}" field is not a compact JWS.`);
  return { kind: doc.kind as OfflineKind, jws };
}
