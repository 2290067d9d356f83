// Apollo Server on the Pothos schema, with the request limits, the access check before execution,
// the error mapping, and a context per request (principal, request id, logger). The HTTP side of
// /graphql is http/graphql-edge.ts.
import type http from "node:http";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { unusedBuiltInPlugins } from "./apollo-defaults.js";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
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
import type { Exchange } from "./exchange.js";
import { graphqlOverHttpPlugin } from "./graphql-over-http.js";
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
import { traceFields } from "./trace-context.js";

/** Root fields that reserve an attempt against the caller's failure limit (domain/rate-limit.ts). */
const CODE_CHECKS: ReadonlySet<string> = new Set(["installCodeStatus", "redeemInstallCode"]);

/** A contract error raised at the edge (outside resolvers), with the HTTP status it answers with. */
function edgeError(err: DomainError, status = 200, headers?: Record<string, string>): GraphQLError {
  return new GraphQLError(err.message, {
    originalError: err,
    extensions: { code: err.code, ...err.details, http: { status, headers: new Map(Object.entries(headers ?? {})) } },
  });
}

/** What the parser should never see: absurd nesting and invalid text in the query or variables. */
export function requestProblem(
  params: { query?: unknown; variables?: unknown } | undefined,
  maxDepth: number,
): { message: string; reason: string } | undefined {
  const maxNesting = Math.max(64, maxDepth * 4);
  if (typeof params?.query === "string") {
    if (braceDepth(params.query) > maxNesting) return { message: `The document nests deeper than ${maxNesting} levels.`, reason: "DEPTH_LIMIT" };
    const text = invalidText(params.query);
    if (text) return { message: `The document ${text}.`, reason: "INVALID_TEXT" };
  }
  if (params?.variables && typeof params.variables === "object") {
    const found = findInvalidText(params.variables, maxNesting);
    if (found) return { message: `${found.path} ${found.problem}.`, reason: found.problem.startsWith("nests") ? "DEPTH_LIMIT" : "INVALID_TEXT" };
  }
  return undefined;
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

/**
 * A request's GraphQL context. Its logger (the request id and trace on every line) is made on first
 * use — most requests log nothing — by a getter on the prototype: Apollo shallow-copies the context
 * (own properties) for each operation, which would otherwise call the getter every time.
 */
class RequestContext implements GraphQLContext {
  services!: Services;
  principal!: GraphQLContext["principal"];
  requestId!: string;
  clientAddress!: string;
  limits!: GraphQLContext["limits"];
  report!: OperationReport;
  private requestLog?: Logger;
  constructor(
    private readonly baseLog: Logger,
    private readonly exchange: Exchange,
    fields: Omit<GraphQLContext, "log">,
  ) {
    Object.assign(this, fields);
  }
  get log(): Logger {
    return (this.requestLog ??= this.baseLog.child({ requestId: this.exchange.requestId, ...traceFields(this.exchange.trace) }));
  }
}

export interface GraphQL {
  apollo: ApolloServer<GraphQLContext>;
  /** the context of one request: its caller (authenticated here), request id, logger and report */
  context(x: Exchange, authorization: string | undefined, clientAddress: string | undefined): Promise<GraphQLContext>;
  stop(): Promise<void>;
}

export async function createGraphQL(d: GraphQLDeps): Promise<GraphQL> {
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
  const requestLog = (x: Exchange) => d.log.child({ requestId: x.requestId, ...traceFields(x.trace) });
  return {
    apollo,
    async context(x, authorization, clientAddress) {
      try {
        const principal = await authenticate(d.services.db, authorization);
        x.principal = principal.kind;
        if ("apiKeyId" in principal) x.apiKeyId = principal.apiKeyId;
        const report: OperationReport = {};
        x.operation = report;
        return new RequestContext(d.log, x, {
          services: d.services,
          principal,
          requestId: x.requestId,
          clientAddress: clientAddress ?? "unknown",
          limits,
          report,
        });
      } catch (err) {
        // the database is down or saturated: a retryable answer with the request id, logged once
        const mapped = expectedError(err, isClientTimeout(err) ? await d.database.reachableNow() : true);
        requestLog(x).error({ err }, "authentication failed on infrastructure");
        const code = mapped?.extensions.code === "SERVICE_BUSY" ? "SERVICE_BUSY" : "SERVICE_UNAVAILABLE";
        const retryAfterSeconds = Number(mapped?.extensions.retryAfterSeconds ?? 5);
        throw edgeError(
          new DomainError(code, mapped?.message ?? "The service cannot reach its database right now: nothing was changed. Retry in a little while.", {
            retryAfterSeconds,
            requestId: x.requestId,
          }),
          503,
          { "retry-after": String(retryAfterSeconds) },
        );
      }
    },
    stop: () => apollo.stop(),
  };
}
