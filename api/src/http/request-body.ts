// The JSON body of a GraphQL POST, read straight from node:http with the rules express.json()
// (body-parser) applied before the edge did without it, so answers stay the same:
// - only `application/json` bodies are parsed (anything else is left to Apollo, which refuses it);
// - BODY_LIMIT counts the bytes after decompression; a Content-Length beyond it is refused before
//   reading; gzip, deflate and br are decompressed, other encodings are 415;
// - UTF-8 only (a charset other than utf-8 is 415 CHARSET_UNSUPPORTED); a BOM is dropped;
// - strict JSON: an object or an array (an empty body is `{}`).
// A refused body is read off to its end before the answer (as body-parser does), so the client, still
// sending, reads the answer instead of a reset; REQUEST_TIMEOUT_MS (http/intake.ts) bounds that.
import type http from "node:http";
import type { Readable } from "node:stream";
import zlib from "node:zlib";

export type BodyResult = { ok: true; body: unknown } | { ok: false; refusal: BodyRefusal };

/** Why a body was refused: the HTTP status and body-parser's type (e.g. `entity.too.large`). */
export interface BodyRefusal {
  status: number;
  type: string;
  message: string;
}

const refusal = (status: number, type: string, message: string): BodyResult => ({ ok: false, refusal: { status, type, message } });

/** Whether the request carries a body at all (type-is' rule: a Transfer-Encoding or a Content-Length). */
const hasBody = (req: http.IncomingMessage) => req.headers["transfer-encoding"] !== undefined || req.headers["content-length"] !== undefined;

/** The media type and charset of a Content-Type value, lower-cased. */
function contentType(value: string | undefined): { type: string; charset?: string } {
  if (!value) return { type: "" };
  const semi = value.indexOf(";");
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  if (semi < 0) return { type };
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(value.slice(semi));
  return { type, charset: m?.[1]?.toLowerCase() };
}

function decompressor(encoding: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  if (encoding === "gzip") return zlib.createGunzip();
  if (encoding === "deflate") return zlib.createInflate();
  if (encoding === "br") return zlib.createBrotliDecompress();
  return undefined;
}

/** Reads what is left of the request and discards it, then resolves. */
function drain(req: http.IncomingMessage): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    req.once("end", resolve);
    req.once("close", resolve);
    req.resume();
  });
}

/** A JSON value from its text, as body-parser's strict mode takes it. */
function parseJson(text: string): BodyResult {
  let i = 0;
  while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  if (i === text.length) return { ok: true, body: {} };
  if (text[i] !== "{" && text[i] !== "[") return refusal(400, "entity.parse.failed", "malformed request body");
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch {
    return refusal(400, "entity.parse.failed", "malformed request body");
  }
}

/**
 * The parsed body (undefined when there is none or it is not JSON: Apollo answers that) or the
 * refusal. `limit` in bytes.
 */
export async function readJsonBody(req: http.IncomingMessage, limit: number): Promise<BodyResult> {
  if (!hasBody(req)) return { ok: true, body: undefined };
  const { type, charset } = contentType(req.headers["content-type"]);
  if (type !== "application/json") return { ok: true, body: undefined };
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
    await drain(req);
    return refusal(415, "charset.unsupported", `unsupported charset "${charset.toUpperCase()}"`);
  }
  const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
  let source: Readable = req;
  let declared: number | undefined;
  if (encoding === "identity") {
    const length = req.headers["content-length"];
    declared = length === undefined ? undefined : Number(length);
    if (declared !== undefined && declared > limit) {
      await drain(req);
      return refusal(413, "entity.too.large", "request entity too large");
    }
  } else {
    const inflate = decompressor(encoding);
    if (!inflate) {
      await drain(req);
      return refusal(415, "encoding.unsupported", `unsupported content encoding "${encoding}"`);
    }
    req.pipe(inflate);
    source = inflate;
  }
  const outcome = await new Promise<BodyResult>((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const settle = (result: BodyResult) => {
      source.off("data", onData);
      source.off("end", onEnd);
      source.off("error", onError);
      req.off("aborted", onAborted);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) settle(refusal(413, "entity.too.large", "request entity too large"));
      else chunks.push(chunk);
    };
    const onEnd = () => {
      if (declared !== undefined && received !== declared) return settle(refusal(400, "request.size.invalid", "request size did not match content length"));
      let text = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks, received).toString("utf8");
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      settle(parseJson(text));
    };
    const onError = () => settle(refusal(400, "entity.parse.failed", "malformed request body"));
    const onAborted = () => settle(refusal(400, "request.aborted", "request aborted"));
    source.on("data", onData);
    source.once("end", onEnd);
    source.once("error", onError);
    req.once("aborted", onAborted);
  });
  if (!outcome.ok) {
    if (source !== req) {
      req.unpipe(source as zlib.Gunzip);
      source.on("error", () => {});
      source.destroy();
    }
    await drain(req);
  }
  return outcome;
}

/** The answer to a refused body: BAD_USER_INPUT with body-parser's refusal as its reason, never a stack. */
export function refusalAnswer(status: number, type: string | undefined, message: string | undefined, bodyLimit: number, requestId: string) {
  const text =
    status === 413
      ? `request body exceeds ${bodyLimit} bytes (BODY_LIMIT)`
      : status === 415
        ? `${message ?? "unsupported media type"}: send the body as UTF-8 JSON (content-type: application/json)`
        : status === 400
          ? "malformed request body"
          : (message ?? "the request was refused");
  // body-parser names the refusal (e.g. charset.unsupported → CHARSET_UNSUPPORTED)
  const reason = type ? type.replace(/\W+/g, "_").toUpperCase() : undefined;
  return { errors: [{ message: text, extensions: { code: "BAD_USER_INPUT", ...(reason ? { reason } : {}), requestId } }] };
}
