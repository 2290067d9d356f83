// The HTTP server: one node:http listener opens each request's exchange (request id, trace, its access
// line and metric when it closes: http/exchange.ts), refuses work while draining, and hands /graphql to
// the thin GraphQL edge (http/graphql-edge.ts) and everything else to Express (health, readiness,
// JWKS, metrics, ISO downloads, the playground, the Stripe webhook). Metrics can get a port of their
// own (METRICS_PORT) so they stay off the public path.
import http from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import { openExchange, type Exchange, type TrustProxy } from "./exchange.js";
import { createGraphQL } from "./graphql.js";
import { graphqlEdge, isGraphQLPath, sendJson } from "./graphql-edge.js";
import { createIntakeServer } from "./intake.js";
import { loadShedding } from "./load-shedding.js";
import { refusalAnswer } from "./request-body.js";
import { metricsRouter, routes, type RouteDeps } from "./routes.js";
import { traceFields, traceOf } from "./trace-context.js";

export type ServerDeps = RouteDeps;

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
  const trusted = app.get("trust proxy fn") as TrustProxy;

  // Shutting down: a request that arrives now (on a kept-alive connection) is not processed — it is
  // answered with the retryable SERVICE_UNAVAILABLE and the connection closes — so nothing this replica
  // did can be lost with the process; requests already running finish (Apollo's drain waits for them).
  let draining = false;
  const active = new Set<http.ServerResponse>();
  const forget = function (this: http.ServerResponse) {
    active.delete(this);
  };
  const exchange = { log, metrics, trusted };
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const x: Exchange = openExchange(req, res, exchange);
    if (draining) {
      res.setHeader("Connection", "close");
      res.setHeader("Retry-After", "1");
      sendJson(res, 503, {
        errors: [
          {
            message: "This server is shutting down: nothing was changed. Retry (another replica answers).",
            extensions: { code: "SERVICE_UNAVAILABLE", retryAfterSeconds: 1, requestId: x.requestId },
          },
        ],
      });
      return;
    }
    active.add(res);
    res.once("close", forget);
    // (requests arrive only once listen() is called, after the edge below is made)
    if (isGraphQLPath(x.path)) edge(req, res, x);
    else app(req, res);
  };
  // the per-address connection cap spares trusted proxies (their clients all share their address)
  const httpServer = createIntakeServer(config.intake, { uncapped: (address) => trusted(address, 0), onRefused: metrics?.connectionRefused }, onRequest);

  const graphql = await createGraphQL({ httpServer, config, services: d.services, log, metrics, database: d.database });
  const edge = graphqlEdge({
    graphql,
    shedding: loadShedding(config.maxInflightRequests, metrics?.shed),
    bodyLimit: config.bodyLimit,
    maxDepth: config.graphqlLimits.maxDepth,
    trusted,
    log,
  });
  app.use(routes(d));

  // Bodies the parsers refuse (the Stripe webhook's raw body) are the caller's: BAD_USER_INPUT with the
  // parser's status; anything else is masked. Never a stack.
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
    res.status(status).json(refusalAnswer(status, err.type, err.expose ? err.message : undefined, config.bodyLimit, requestId));
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
