// The HTTP surface: POST /graphql (Apollo Server on Express), JWKS, health, readiness, metrics and
// the local ISO download route.
import { randomUUID } from "node:crypto";
import http from "node:http";
import { ApolloServer } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import express from "express";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Services } from "../domain/services.js";
import type { GraphQLContext } from "../graphql/context.js";
import { schema } from "../graphql/schema.js";
import type { SigningKeySet } from "../license/signing-keys.js";
import { resolveLocalDownload } from "../storage/iso-download.js";
import { formatError, observabilityPlugin } from "./apollo-plugins.js";
import { playgroundRouter } from "./playground.js";
import { preflightAuthorization } from "./preflight-authorization.js";
import { authenticate } from "./authenticate.js";
import type { Metrics } from "./metrics.js";

export interface HttpAppDeps {
  /** already listening (see listen()), so the public URL is known before the services are built */
  httpServer: http.Server;
  config: Config;
  services: Services;
  keys: SigningKeySet;
  log: Logger;
  metrics?: Metrics;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function createHttpApp(deps: HttpAppDeps) {
  const { config, services, keys, log, metrics, httpServer } = deps;
  const app = express();
  httpServer.on("request", app);
  app.disable("x-powered-by");
  app.set("trust proxy", config.trustProxy === "false" ? false : config.trustProxy === "true" ? true : config.trustProxy);

  app.use((req, res, next) => {
    const incoming = req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader("X-Request-Id", requestId);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const path = req.originalUrl.split("?")[0]!; // never the query string (download signatures)
      const route = req.route?.path ?? (path.startsWith("/graphql") ? "/graphql" : res.statusCode === 404 ? "unmatched" : path);
      metrics?.http(String(route), res.statusCode);
      if (path === "/healthz" || path === "/readyz" || path === "/metrics") return;
      log.info(
        {
          requestId,
          method: req.method,
          path,
          status: res.statusCode,
          ms: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
          principal: res.locals.principal,
          clientAddress: req.ip,
        },
        "request",
      );
    });
    next();
  });

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    try {
      await services.prisma.$queryRaw`SELECT 1`;
      res.json({ status: "ready" });
    } catch (err) {
      log.warn({ err }, "readiness check failed");
      res.status(503).json({ status: "unavailable", reason: "database unreachable" });
    }
  });
  app.get("/.well-known/jwks.json", (_req, res) => {
    res.setHeader("Cache-Control", "public, max-age=300");
    res.json(keys.publicJwks());
  });
  if (config.metricsEnabled && metrics) {
    app.get("/metrics", async (_req, res) => {
      res.setHeader("Content-Type", metrics.registry.contentType);
      res.send(await metrics.registry.metrics());
    });
  }
  if (config.playgroundEnabled) app.use(playgroundRouter());
  app.get("/downloads/:key", (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const found = resolveLocalDownload(config.dataDir, services.secret, req.params.key, q.expires ?? "", q.signature ?? "");
    if (found.status !== 200) {
      res.status(found.status).type("text/plain").send(found.message);
      return;
    }
    res.setHeader("Content-Type", "application/octet-stream");
    res.setHeader("Content-Length", String(found.size));
    res.setHeader("Content-Disposition", `attachment; filename="${req.params.key.replace(/"/g, "")}"`);
    found.open().pipe(res);
  });

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    introspection: true,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      preflightAuthorization(schema),
      observabilityPlugin(metrics),
    ],
  });
  await apollo.start();

  const limits = { depth: config.graphqlLimits.maxDepth, complexity: config.graphqlLimits.maxComplexity, breadth: 300 };
  app.use(
    "/graphql",
    express.json({ limit: config.bodyLimit }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const principal = await authenticate(services.prisma, req.header("authorization"));
        const requestId = res.locals.requestId as string;
        res.locals.principal = principal.kind;
        return {
          services,
          principal,
          requestId,
          clientAddress: req.ip ?? "unknown",
          log: log.child({ requestId, principal: principal.kind }),
          limits,
        };
      },
    }),
  );

  // Oversized or malformed JSON bodies: a contract-shaped error, never a stack.
  app.use((err: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    const status = err.status ?? 500;
    if (status >= 500) log.error({ err, requestId: res.locals.requestId }, "unhandled HTTP error");
    const code = status === 413 || status === 400 ? "BAD_USER_INPUT" : "INTERNAL_SERVER_ERROR";
    const message =
      status === 413 ? `request body exceeds ${config.bodyLimit}` : status === 400 ? "malformed request body" : "Internal server error";
    res.status(status).json({ errors: [{ message, extensions: { code, requestId: res.locals.requestId } }] });
  });

  return {
    app,
    /** Stops accepting requests and drains in-flight ones. */
    stop: () => apollo.stop(),
  };
}

/** Binds the port; returns the server and the base URL it is reachable at locally. */
export async function listen(port: number, host: string): Promise<{ httpServer: http.Server; url: string }> {
  const httpServer = http.createServer();
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(port, host, () => resolve());
  });
  const addr = httpServer.address();
  const actualPort = typeof addr === "object" && addr ? addr.port : port;
  return { httpServer, url: `http://${host === "0.0.0.0" || host === "::" ? "localhost" : host}:${actualPort}` };
}
