// POST /graphql: Apollo Server on the Pothos schema, with the edge's request limits, the access check
// before execution, the error mapping, and a context per request (principal, request id, logger).
import type http from "node:http";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { unusedBuiltInPlugins } from "./apollo-defaults.js";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import express, { type RequestHandler } from "express";
import { GraphQLError } from "graphql";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { isClientTimeout } from "../db/failures.js";
import type { DatabaseHealth } from "../db/health.js";
import { DomainError } from "../domain/errors.js";
import type { Services } from "../domain/services.js";
import { buildAccessMap, checkAccess } from "../graphql/authorization.js";
import type { GraphQLContext, OperationReport } from "../graphql/context.js";
import { schema } from "../graphql/schema.js";
import { authenticate } from "./authenticate.js";
import { expectedError, formatError } from "./graphql-errors.js";
import { graphqlOverHttpPlugin, requestErrorStatus, responseMediaType } from "./graphql-over-http.js";
import { loadShedding } from "./load-shedding.js";
import type { Metrics } from "./metrics.js";
import { observabilityPlugin } from "./observability.js";
import {
  braceDepth,
  depthRule,
  findInvalidText,
  invalidText,
  knownOperationTypeRule,
  oneCodeCheckRule,
  singleMutationRule,
  validTextRule,
} from "./request-limits.js";
import { schemaHintsPlugin } from "./schema-hints.js";

/** Root fields that reserve an attempt against the caller's failure limit (domain/rate-limit.ts). */
const CODE_CHECKS: ReadonlySet<string> = new Set(["installCodeStatus", "redeemInstallCode"]);

/** A contract error raised at the edge (outside resolvers), with the HTTP status it answers with. */
function edgeError(err: DomainError, status = 200, headers?: Record<string, string>): GraphQLError {
  return new GraphQLError(err.message, {
    originalError: err,
    extensions: { code: err.code, ...err.details, http: { status, headers: new Map(Object.entries(headers ?? {})) } },
  });
}

/** Refuses what the parser should never see: absurd nesting and invalid text in the query or variables. */
function requestGuard(maxDepth: number): RequestHandler {
  const maxNesting = Math.max(64, maxDepth * 4);
  return (req, res, next) => {
    const body = (req.method === "POST" ? req.body : req.query) as { query?: unknown; variables?: unknown } | undefined;
    let problem: string | undefined;
    let reason = "INVALID_TEXT";
    if (typeof body?.query === "string") {
      if (braceDepth(body.query) > maxNesting) {
        problem = `The document nests deeper than ${maxNesting} levels.`;
        reason = "DEPTH_LIMIT";
      } else {
        const text = invalidText(body.query);
        if (text) problem = `The document ${text}.`;
      }
    }
    if (!problem && body?.variables && typeof body.variables === "object") {
      const found = findInvalidText(body.variables, maxNesting);
      if (found) {
        problem = `${found.path} ${found.problem}.`;
        if (found.problem.startsWith("nests")) reason = "DEPTH_LIMIT";
      }
    }
    if (!problem) return next();
    // a request error: 200 for application/json clients, 400 for application/graphql-response+json
    const accept = req.header("accept");
    res
      .status(requestErrorStatus(accept))
      .type(responseMediaType(accept) ?? "application/json")
      .send(JSON.stringify({ errors: [{ message: problem, extensions: { code: "BAD_USER_INPUT", reason, requestId: res.locals.requestId } }] }));
  };
}

export interface GraphQLDeps {
  httpServer: http.Server;
  config: Config;
  services: Services;
  log: Logger;
  metrics?: Metrics;
  /** the database's probe (db/health.ts): a client-side timeout is an outage when it does not answer */
  database: Pick<DatabaseHealth, "reachable" | "reachableNow">;
}

export async function graphqlHandler(d: GraphQLDeps): Promise<{ handler: express.Router; stop: () => Promise<void> }> {
  const { config } = d;
  const access = buildAccessMap(schema); // throws at start-up on a scope it cannot evaluate
  const accessCheck: ApolloServerPlugin<GraphQLContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, contextValue }) {
          const denied = checkAccess(schema, access, document, contextValue.principal, config.introspection);
          if (denied) throw edgeError(denied);
        },
      };
    },
  };
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError: (formatted, error) => formatError(formatted, error, d.database.reachable()),
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    introspection: config.introspection !== "off",
    // main.ts owns SIGTERM/SIGINT: it drains Apollo, the outbox and the pool in order
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: config.graphqlLimits.maxTokens },
    validationRules: [knownOperationTypeRule, validTextRule, depthRule(config.graphqlLimits.maxDepth), singleMutationRule, oneCodeCheckRule(CODE_CHECKS)],
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: d.httpServer, stopGracePeriodMillis: Math.floor(config.shutdownTimeoutMs / 2) }),
      ApolloServerPluginLandingPageDisabled(),
      ...unusedBuiltInPlugins(),
      accessCheck,
      schemaHintsPlugin(config.introspection),
      observabilityPlugin(d.metrics, d.database),
      graphqlOverHttpPlugin(),
    ],
  });
  await apollo.start();

  const limits = { depth: config.graphqlLimits.maxDepth, complexity: config.graphqlLimits.maxComplexity, breadth: config.graphqlLimits.maxBreadth };
  const handler = express.Router();
  handler.use(
    "/graphql",
    express.json({ limit: config.bodyLimit }),
    // counted once the body is read: a slow body holds a connection (bounded by http/intake.ts), no slot
    loadShedding(config.maxInflightRequests, d.metrics?.shed),
    requestGuard(config.graphqlLimits.maxDepth),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = res.locals.requestId as string;
        const log = (req as unknown as { log?: Logger }).log ?? d.log.child({ requestId });
        try {
          const principal = await authenticate(d.services.db, req.header("authorization"));
          res.locals.principal = principal.kind;
          if ("apiKeyId" in principal) res.locals.apiKeyId = principal.apiKeyId;
          const report: OperationReport = {};
          res.locals.operation = report;
          return { services: d.services, principal, requestId, clientAddress: req.ip ?? "unknown", log, limits, report };
        } catch (err) {
          // the database is down or saturated: a retryable answer with the request id, logged once
          const mapped = expectedError(err, isClientTimeout(err) ? await d.database.reachableNow() : true);
          log.error({ err }, "authentication failed on infrastructure");
          const code = mapped?.extensions.code === "SERVICE_BUSY" ? "SERVICE_BUSY" : "SERVICE_UNAVAILABLE";
          const retryAfterSeconds = Number(mapped?.extensions.retryAfterSeconds ?? 5);
          throw edgeError(
            new DomainError(code, mapped?.message ?? "The service cannot reach its database right now: nothing was changed. Retry in a little while.", {
              retryAfterSeconds,
              requestId,
            }),
            503,
            { "retry-after": String(retryAfterSeconds) },
          );
        }
      },
    }),
  );
  return { handler, stop: () => apollo.stop() };
}
