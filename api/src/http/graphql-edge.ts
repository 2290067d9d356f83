// /graphql straight on node:http: the hot path (check-ins, redemptions) without Express, its router,
// body-parser or a per-request logger. In order, each step as the Express stack did it before:
//   1. the body (http/request-body.ts: BODY_LIMIT, UTF-8 JSON only, the same refusals);
//   2. load shedding, counted only now that the body is read (a slow body holds a connection, bounded
//      by http/intake.ts, never a MAX_INFLIGHT_REQUESTS slot);
//   3. the text guard (nesting, NUL, lone surrogates) before the parser sees the document;
//   4. Apollo Server through its integration API, executeHTTPGraphQLRequest with a HeaderMap: CSRF
//      prevention, GET/POST and media-type negotiation stay Apollo's; the context authenticates.
// The request id, trace and the access line are the exchange's (http/exchange.ts), opened before.
import type http from "node:http";
import { HeaderMap } from "@apollo/server";
import type { Logger } from "pino";
import type { Exchange, TrustProxy } from "./exchange.js";
import { clientAddress } from "./exchange.js";
import { requestProblem, type GraphQL } from "./graphql.js";
import { requestErrorStatus, responseMediaType } from "./graphql-over-http.js";
import type { LoadShedding } from "./load-shedding.js";
import { readJsonBody, refusalAnswer } from "./request-body.js";
import { traceFields } from "./trace-context.js";

export interface EdgeDeps {
  graphql: GraphQL;
  shedding: LoadShedding;
  bodyLimit: number;
  maxDepth: number;
  trusted: TrustProxy;
  log: Logger;
}

export type EdgeHandler = (req: http.IncomingMessage, res: http.ServerResponse, x: Exchange) => void;

/** Whether a path is the GraphQL endpoint's. */
export const isGraphQLPath = (path: string) => path === "/graphql" || path === "/graphql/";

const JSON_UTF8 = "application/json; charset=utf-8";

/** Writes a complete JSON answer. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, contentType = JSON_UTF8): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("Content-Type", contentType);
  res.setHeader("Content-Length", Buffer.byteLength(text));
  res.end(text);
}

/** Apollo's view of the request's headers: lower-case names, repeated ones joined as Headers.get does. */
function headerMap(req: http.IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  const raw = req.headers;
  for (const name in raw) {
    const value = raw[name];
    if (value !== undefined) headers.set(name, typeof value === "string" ? value : value.join(", "));
  }
  return headers;
}

export function graphqlEdge(d: EdgeDeps): EdgeHandler {
  const { apollo } = d.graphql;

  async function serve(req: http.IncomingMessage, res: http.ServerResponse, x: Exchange): Promise<void> {
    x.route = "/graphql";
    const read = await readJsonBody(req, d.bodyLimit);
    if (!read.ok) {
      const { status, type, message } = read.refusal;
      sendJson(res, status, refusalAnswer(status, type, message, d.bodyLimit, x.requestId));
      return;
    }
    if (res.destroyed) return; // the client went away while sending its body
    if (!d.shedding.admit(res)) {
      res.setHeader("Retry-After", String(d.shedding.retryAfterSeconds));
      sendJson(res, 503, d.shedding.busyAnswer(x.requestId));
      return;
    }
    const method = req.method ?? "GET";
    const url = req.url ?? "";
    const q = url.indexOf("?");
    const search = q < 0 ? "" : url.slice(q);
    const params = (method === "POST" ? read.body : method === "GET" ? Object.fromEntries(new URLSearchParams(search)) : undefined) as
      { query?: unknown; variables?: unknown } | undefined;
    const problem = requestProblem(params, d.maxDepth);
    if (problem) {
      // a request error: 200 for application/json clients, 400 for application/graphql-response+json
      const accept = req.headers.accept;
      const answer = { errors: [{ message: problem.message, extensions: { code: "BAD_USER_INPUT", reason: problem.reason, requestId: x.requestId } }] };
      sendJson(res, requestErrorStatus(accept), answer, `${responseMediaType(accept) ?? "application/json"}; charset=utf-8`);
      return;
    }
    const headers = headerMap(req);
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: method.toUpperCase(), headers, search, body: read.body },
      context: () => d.graphql.context(x, headers.get("authorization"), clientAddress(req, d.trusted)),
    });
    if (res.destroyed) return;
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === "complete") {
      res.setHeader("Content-Length", Buffer.byteLength(response.body.string));
      res.end(response.body.string);
      return;
    }
    // incremental delivery (not enabled in this schema, but Apollo's contract allows it)
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  return (req, res, x) => {
    serve(req, res, x).catch((err: unknown) => {
      d.log.error({ err, requestId: x.requestId, ...traceFields(x.trace) }, "unhandled HTTP error");
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR", requestId: x.requestId } }] });
    });
  };
}
