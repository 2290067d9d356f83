// Apollo Server plugins: error masking (contract codes pass, everything else becomes a bare
// INTERNAL_SERVER_ERROR carrying the request id, with full detail only in the log) and per-operation
// metrics and request logs.
import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { PothosValidationError } from "@pothos/core";
import type { GraphQLFormattedError } from "graphql";
import { DomainError } from "../domain/errors.js";
import type { GraphQLContext } from "../graphql/context.js";
import type { Metrics } from "./metrics.js";

// Apollo's own request errors (malformed document, wrong variables) are the caller's fault.
const CLIENT_ERROR_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) {
    const { http: _http, ...extensions } = original.extensions; // http only sets the status code
    return { message: formatted.message, path: formatted.path, locations: formatted.locations, extensions };
  }
  // Pothos rejects bad arguments (e.g. a malformed connection cursor) with this class
  if (original instanceof PothosValidationError) {
    return { message: original.message, path: formatted.path, extensions: { code: "BAD_USER_INPUT" } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === "string" && CLIENT_ERROR_CODES.has(code)) {
    return { message: formatted.message, locations: formatted.locations, extensions: { code: "BAD_USER_INPUT", reason: code } };
  }
  return { message: "Internal server error", path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
}

export function observabilityPlugin(metrics: Metrics | undefined): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors }) {
          for (const err of errors) {
            const original = unwrapResolverError(err);
            if (original instanceof DomainError || original instanceof PothosValidationError) continue;
            const code = err.extensions?.code;
            if (typeof code === "string" && CLIENT_ERROR_CODES.has(code)) continue;
            contextValue.log.error({ err: original, path: err.path }, "unexpected error while executing GraphQL");
          }
        },
        async willSendResponse({ response, operationName, operation, errors }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const name = operationName ?? operation?.name?.value ?? "anonymous";
          if (response.body.kind === "single") {
            for (const e of response.body.singleResult.errors ?? []) {
              if (e.extensions?.code === "INTERNAL_SERVER_ERROR") {
                (e.extensions as Record<string, unknown>).requestId = contextValue.requestId;
              }
            }
          }
          const first = response.body.kind === "single" ? response.body.singleResult.errors?.[0] : undefined;
          const outcome = first ? String(first.extensions?.code ?? "ERROR") : errors?.length ? "ERROR" : "ok";
          metrics?.operation(name, outcome, seconds);
          contextValue.log.info(
            {
              operation: name,
              operationType: operation?.operation,
              outcome,
              ms: Math.round(seconds * 1000),
            },
            "graphql operation",
          );
        },
      };
    },
  };
}
