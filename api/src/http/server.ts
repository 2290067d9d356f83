// The HTTP server: the Express app is built completely (request ids and logs through pino-http, load
// shedding, routes, GraphQL, the JSON error handler), then it listens. Metrics can get a port of
// their own (METRICS_PORT) so they stay off the public path.
import { randomUUID } from "node:crypto";
import http from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import { pinoHttp } from "pino-http";
import { graphqlHandler } from "./graphql.js";
import { createIntakeServer } from "./intake.js";
import { metricsRouter, routes, type RouteDeps } from "./routes.js";
import { traceContext, traceFields, traceOf } from "./trace-context.js";

export type ServerDeps = RouteDeps;

// the API key's id (never its secret) says which key of a role made the request
const accessLine = (res: Response, line: object) => ({ ...line, principal: res.locals?.principal, apiKeyId: res.locals?.apiKeyId, ...res.locals?.operation });

// a client's X-Request-Id is kept only if it is plainly an id (it reaches logs and audit rows)
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET = new Set(["/healthz", "/readyz", "/metrics"]);

export interface HttpServer {
  httpServer: http.Server;
  /** binds the port; resolves with the local base URL */
  listen(): Promise<string>;
  /** the metrics port when METRICS_PORT is set (resolved once listening) */
  metricsPort(): number | undefined;
  /** stops accepting requests and drains in-flight ones */
  stop(): Promise<void>;
}

export async function createHttpServer(d: ServerDeps): Promise<HttpServer> {
  const { config, log, metrics } = d;
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", config.trustProxy);
  // the per-address connection cap spares trusted proxies (their clients all share their address)
  const trusted = app.get("trust proxy fn") as (address: string, hop: number) => boolean;
  const httpServer = createIntakeServer(config.intake, { uncapped: (address) => trusted(address, 0), onRefused: metrics?.connectionRefused }, app);

  app.use(traceContext());
  app.use(
    pinoHttp({
      logger: log,
      // the access line carries the request's trace (W3C traceparent): trace id and this server's span
      customProps: (_req, res) => traceFields(traceOf(res as Response)),
      genReqId: (req, res) => {
        const incoming = req.headers["x-request-id"];
        const id = typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader("X-Request-Id", id);
        return id;
      },
      customAttributeKeys: { reqId: "requestId" },
      // req.log (every line of a request) carries just the request id; the access line has the rest
      quietReqLogger: true,
      autoLogging: { ignore: (req) => QUIET.has((req.url ?? "").split("?")[0]!) },
      // never the query string (download signatures), never headers (credentials)
      serializers: {
        req: (req: { id: string; method: string; url: string; raw?: Request }) => ({
          method: req.method,
          path: req.url.split("?")[0],
          clientAddress: req.raw?.ip,
        }),
        res: (res: { statusCode: number }) => ({ status: res.statusCode }),
      },
      // one line per request: the principal and the GraphQL operation's name, root field and outcome
      customSuccessObject: (_req, res, line) => accessLine(res as Response, line),
      customErrorObject: (_req, res, _err, line) => accessLine(res as Response, line),
      customSuccessMessage: () => "request",
      customErrorMessage: () => "request failed",
    }),
  );
  app.use((req, res, next) => {
    res.locals.requestId = req.id;
    // every other line of the request (errors included) carries its trace too
    req.log = req.log.child(traceFields(traceOf(res)));
    if (metrics) {
      res.on("finish", () => {
        const path = req.originalUrl.split("?")[0]!;
        const route = req.route?.path ?? (path.startsWith("/graphql") ? "/graphql" : res.statusCode === 404 ? "unmatched" : path);
        metrics.http(String(route), res.statusCode);
      });
    }
    next();
  });

  // Shutting down: a request that arrives now (on a kept-alive connection) is not processed — it is
  // answered with the retryable SERVICE_UNAVAILABLE and the connection closes — so nothing this replica
  // did can be lost with the process; requests already running finish (Apollo's drain waits for them).
  let draining = false;
  const active = new Set<Response>();
  app.use((_req, res, next) => {
    if (!draining) {
      active.add(res);
      res.once("close", () => active.delete(res));
      return next();
    }
    res.setHeader("Connection", "close");
    res.setHeader("Retry-After", "1");
    res.status(503).json({
      errors: [
        {
          message: "This server is shutting down: nothing was changed. Retry (another replica answers).",
          extensions: { code: "SERVICE_UNAVAILABLE", retryAfterSeconds: 1, requestId: res.locals.requestId },
        },
      ],
    });
  });
  // /graphql first: the hot path (check-ins) does not walk the other routes
  const graphql = await graphqlHandler({ httpServer, config, services: d.services, log, metrics, database: d.database });
  app.use(graphql.handler);
  app.use(routes(d));

  // Bodies the parser refuses (oversized, malformed JSON, a charset or encoding other than UTF-8 JSON)
  // are the caller's: BAD_USER_INPUT with the parser's status; anything else is masked. Never a stack.
  app.use((err: Error & { status?: number; type?: string; expose?: boolean }, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = err.status ?? 500;
    const requestId = res.locals.requestId as string;
    if (status < 400 || status >= 500) {
      log.error({ err, requestId, ...traceFields(traceOf(res)) }, "unhandled HTTP error");
      res
        .status(status >= 500 ? status : 500)
        .json({ errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR", requestId } }] });
      return;
    }
    const message =
      status === 413
        ? `request body exceeds ${config.bodyLimit} bytes (BODY_LIMIT)`
        : status === 415
          ? `${err.expose ? err.message : "unsupported media type"}: send the body as UTF-8 JSON (content-type: application/json)`
          : status === 400
            ? "malformed request body"
            : err.expose
              ? err.message
              : "the request was refused";
    // body-parser names the refusal (e.g. charset.unsupported → CHARSET_UNSUPPORTED)
    const reason = err.type ? err.type.replace(/\W+/g, "_").toUpperCase() : undefined;
    res.status(status).json({ errors: [{ message, extensions: { code: "BAD_USER_INPUT", ...(reason ? { reason } : {}), requestId } }] });
  });

  let metricsServer: http.Server | undefined;
  return {
    httpServer,
    async listen() {
      await listenOn(httpServer, config.port, config.host);
      if (metrics && config.metricsPort !== undefined) {
        metricsServer = http.createServer(express().use(metricsRouter(metrics)));
        await listenOn(metricsServer, config.metricsPort, config.host);
      }
      return baseUrl(httpServer, config.host);
    },
    metricsPort() {
      const addr = metricsServer?.address();
      return typeof addr === "object" && addr ? addr.port : undefined;
    },
    async stop() {
      draining = true;
      // answers still to come close their connection: the client's next request goes elsewhere
      for (const res of active) if (!res.headersSent) res.setHeader("Connection", "close");
      metricsServer?.close();
      await graphql.stop(); // Apollo's drain plugin closes the server once in-flight requests are done
      if (httpServer.listening) await new Promise<void>((r) => httpServer.close(() => r()));
    },
  };
}

function listenOn(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    // a backlog as deep as the kernel allows (somaxconn caps it): a burst of connections beyond
    // MAX_CONNECTIONS reaches the process, which closes them at once, instead of waiting half-open in a
    // full accept queue (Node's default, 511) for SYN-ACK retransmissions, seconds at a time
    server.listen({ port, host, backlog: 65535 }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

export function baseUrl(server: http.Server, host: string): string {
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  const shown = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}
