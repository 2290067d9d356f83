// W3C Trace Context (https://www.w3.org/TR/trace-context/): a request's `traceparent` header names
// the trace it belongs to and the caller's span. This server keeps the trace id, opens a span of its
// own (a new span id; the caller's becomes its parent) and answers with its `traceparent`, so the
// request's log lines (the access line, error lines) can be found from the caller's trace. A missing
// or malformed header starts a new trace.
// Per request this is one header parse and two slices of a random pool: no middleware, no child
// logger (log lines take traceFields() only when they are written).
import { randomFillSync } from "node:crypto";

export interface TraceContext {
  traceId: string;
  spanId: string;
  /** the caller's span id, when a valid traceparent came in */
  parentSpanId?: string;
  flags: string;
}

// version 00: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>; later versions may append fields
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZEROS = /^0+$/;

/** The trace id, parent span and flags of a traceparent header value, or undefined when invalid. */
export function parseTraceparent(value: string | undefined): { traceId: string; parentSpanId: string; flags: string } | undefined {
  const m = TRACEPARENT.exec(value?.trim() ?? "");
  if (!m) return undefined;
  const [, version, traceId, parentSpanId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (ZEROS.test(traceId) || ZEROS.test(parentSpanId)) return undefined;
  return { traceId, parentSpanId, flags };
}

export const formatTraceparent = (t: TraceContext) => `00-${t.traceId}-${t.spanId}-${t.flags}`;

/** The fields of a log line that tie it to its trace. */
export const traceFields = (t: TraceContext | undefined) =>
  t ? { traceId: t.traceId, spanId: t.spanId, ...(t.parentSpanId ? { parentSpanId: t.parentSpanId } : {}) } : {};

/** The trace of a request whose context is on res.locals (http/exchange.ts). */
export const traceOf = (res: { locals?: { trace?: TraceContext } }) => res.locals?.trace;

// random ids from a pool refilled 4 KiB at a time: one getrandom call per ~170 requests, not two each
const pool = Buffer.allocUnsafe(4096);
let used = pool.length;
function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString("hex", used, used + bytes);
  used += bytes;
  return hex;
}

/** This server's span of the trace a traceparent header names, or of a new trace (missing, malformed). */
export function traceFromHeader(header: string | string[] | undefined): TraceContext {
  const incoming = typeof header === "string" ? parseTraceparent(header) : undefined;
  return {
    traceId: incoming?.traceId ?? randomHex(16),
    spanId: randomHex(8),
    parentSpanId: incoming?.parentSpanId,
    // a new trace is not sampled (nothing here records spans); a caller's choice is passed on
    flags: incoming?.flags ?? "00",
  };
}
