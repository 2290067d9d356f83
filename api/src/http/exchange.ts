// One request's context at the HTTP level, opened before any handler runs: its request id
// (X-Request-Id), its trace (traceparent), its client address, and — when its response closes — its
// one access line and its HTTP metric. It lives on res.locals (Express routes read requestId and trace
// there) and holds nothing past the response: no child logger, no closure kept by the server.
// At LOG_LEVEL=warn or above no access line is built at all.
import { randomUUID } from "node:crypto";
import type http from "node:http";
import type { Logger } from "pino";
import type { OperationReport } from "../graphql/context.js";
import type { Metrics } from "./metrics.js";
import { formatTraceparent, traceFields, traceFromHeader, type TraceContext } from "./trace-context.js";

export interface Exchange {
  requestId: string;
  trace: TraceContext;
  /** the path without the query string (never logged: download signatures) */
  path: string;
  /** performance.now() when the request arrived */
  started: number;
  /** the caller, once authenticated: the principal's kind and the API key's id (never its secret) */
  principal?: string;
  apiKeyId?: string;
  /** the GraphQL operation's name, root field, type and outcome (http/observability.ts) */
  operation?: OperationReport;
  /** the metrics label of the handler that answered (else the Express route, or "unmatched") */
  route?: string;
}

/** Trusted proxy hops, as Express compiles TRUST_PROXY ("trust proxy fn"). */
export type TrustProxy = (address: string, hop: number) => boolean;

// a client's X-Request-Id is kept only if it is plainly an id (it reaches logs and audit rows)
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// probes and scrapes: counted, not logged
const QUIET: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * The client's address as Express' req.ip gives it: the socket's peer, or, through trusted proxies,
 * the nearest X-Forwarded-For hop that is not one (proxy-addr's walk, from the socket outwards).
 */
export function clientAddress(req: http.IncomingMessage, trusted: TrustProxy): string | undefined {
  let address = req.socket.remoteAddress;
  const forwarded = req.headers["x-forwarded-for"];
  if (!address || !forwarded || !trusted(address, 0)) return address;
  const hops = (typeof forwarded === "string" ? forwarded : forwarded.join(",")).split(",");
  for (let i = hops.length - 1, hop = 1; i >= 0; i--, hop++) {
    const next = hops[i]!.trim();
    address = next;
    if (!trusted(next, hop)) return next;
  }
  return address;
}

const pathOf = (url: string | undefined) => {
  const u = url ?? "/";
  const q = u.indexOf("?");
  return q < 0 ? u : u.slice(0, q);
};

export interface ExchangeOptions {
  log: Logger;
  metrics?: Metrics;
  trusted: TrustProxy;
}

/** Opens a request's exchange: answers with its X-Request-Id and traceparent, logs it when it closes. */
export function openExchange(req: http.IncomingMessage, res: http.ServerResponse, o: ExchangeOptions): Exchange {
  const incoming = req.headers["x-request-id"];
  const requestId = typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  const trace = traceFromHeader(req.headers.traceparent);
  res.setHeader("X-Request-Id", requestId);
  res.setHeader("traceparent", formatTraceparent(trace));
  const x: Exchange = { requestId, trace, path: pathOf(req.url), started: performance.now() };
  (res as { locals?: object }).locals = x;
  res.once("close", () => closeExchange(req, res, x, o));
  return x;
}

function closeExchange(req: http.IncomingMessage, res: http.ServerResponse, x: Exchange, o: ExchangeOptions): void {
  const status = res.statusCode;
  if (o.metrics) {
    // an Express route's pattern (e.g. /downloads/:key), never a path a caller chose
    const route = x.route ?? (req as { route?: { path?: string } }).route?.path ?? (status === 404 ? "unmatched" : x.path);
    o.metrics.http(route, status);
  }
  if (QUIET.has(x.path) || !o.log.isLevelEnabled("info")) return;
  const line: Record<string, unknown> = {
    requestId: x.requestId,
    req: { method: req.method, path: x.path, clientAddress: clientAddress(req, o.trusted) },
    ...traceFields(x.trace),
    res: { status },
    responseTime: Math.round(performance.now() - x.started),
    principal: x.principal,
    apiKeyId: x.apiKeyId,
    ...x.operation,
  };
  // a response that did not complete (5xx, or the connection went first) says so
  if (status >= 500 || !res.writableFinished) {
    line.err = { message: res.writableFinished ? `failed with status code ${status}` : "the connection closed before the response was complete" };
    o.log.info(line, "request failed");
  } else {
    o.log.info(line, "request");
  }
}
