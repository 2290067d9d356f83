// W3C Trace Context (https://www.w3.org/TR/trace-context/): a request's `traceparent` header names
// the trace it belongs to and the caller's span. This server keeps the trace id, opens a span of its
// own (a new span id; the caller's becomes its parent) and answers with its `traceparent`, so the
// request's log lines (the access line, error lines) can be found from the caller's trace. A missing
// or malformed header starts a new trace.
import { randomBytes } from "node:crypto";
import type { RequestHandler, Response } from "express";

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

export const traceOf = (res: Response) => res.locals.trace as TraceContext | undefined;

/** Sets res.locals.trace and answers with this server's traceparent. */
export function traceContext(): RequestHandler {
  return (req, res, next) => {
    const incoming = parseTraceparent(req.header("traceparent"));
    const trace: TraceContext = {
      traceId: incoming?.traceId ?? randomBytes(16).toString("hex"),
      spanId: randomBytes(8).toString("hex"),
      parentSpanId: incoming?.parentSpanId,
      // a new trace is not sampled (nothing here records spans); a caller's choice is passed on
      flags: incoming?.flags ?? "00",
    };
    res.locals.trace = trace;
    res.setHeader("traceparent", formatTraceparent(trace));
    next();
  };
}
