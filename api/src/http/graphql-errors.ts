// The GraphQL edge's error mapping: domain errors pass with their contract code and details;
// infrastructure failures become retryable SERVICE_BUSY / SERVICE_UNAVAILABLE; the caller's own
// malformed requests become BAD_USER_INPUT; everything else is a masked INTERNAL_SERVER_ERROR. The
// request id is added to the retryable and internal ones (observability.ts) so the log line is found.
import { PothosValidationError } from "@pothos/core";
import { ApolloServerErrorCode } from "@apollo/server/errors";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { classifyFailure } from "../db/failures.js";
import { DomainError } from "../domain/errors.js";

// Apollo's own refusals of a request (malformed document, wrong variables, an unusable persisted
// query, a bad HTTP request) are the caller's fault: every Apollo code but INTERNAL_SERVER_ERROR.
export const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set(
  Object.values(ApolloServerErrorCode).filter((code) => code !== ApolloServerErrorCode.INTERNAL_SERVER_ERROR),
);

const RETRY_AFTER_SECONDS = { SERVICE_BUSY: 2, SERVICE_UNAVAILABLE: 5 } as const;

/** The error a resolver, the context function or a plugin threw, under Apollo's GraphQLError wrapper. */
export const originalError = (error: unknown): unknown => (error instanceof GraphQLError && error.originalError ? error.originalError : error);

/**
 * A request Apollo refused before running it: one of its client codes, or (some refusals carry no code,
 * e.g. an unsupported persisted-query version or a hash that does not match the query) a 4xx HTTP
 * status it set on an error of its own. Errors from resolvers, plugins or the context function never
 * qualify: those carry no code and no 4xx status unless the edge set them on purpose.
 */
function clientRequestError(error: unknown): { message: string; extensions: Record<string, unknown> } | undefined {
  if (!(error instanceof GraphQLError)) return undefined;
  const { code, http, stacktrace: _s, ...rest } = error.extensions;
  const status = (http as { status?: unknown } | undefined)?.status;
  const refused = typeof code === "string" ? CLIENT_ERROR_CODES.has(code) : code === undefined && typeof status === "number" && status >= 400 && status < 500;
  if (!refused) return undefined;
  // a validation rule's own details (reason, limit) survive; the code is the contract's
  return { message: error.message, extensions: { ...rest, code: "BAD_USER_INPUT", reason: rest.reason ?? code ?? ApolloServerErrorCode.BAD_REQUEST } };
}

/**
 * How the edge answers an error: undefined when it is not an expected one (logged, masked).
 * `databaseReachable`: the database's probe (db/health.ts), which decides what a client-side timeout was.
 */
export function expectedError(error: unknown, databaseReachable = true): { message: string; extensions: Record<string, unknown> } | undefined {
  const original = originalError(error);
  if (original instanceof DomainError) return { message: original.message, extensions: { ...original.details, code: original.code } };
  // Pothos rejects bad arguments (e.g. a malformed connection cursor) with this class
  if (original instanceof PothosValidationError) return { message: original.message, extensions: { code: "BAD_USER_INPUT" } };
  const failure = classifyFailure(original, databaseReachable);
  if (failure) {
    return {
      message:
        failure === "SERVICE_BUSY"
          ? "The service is busy: nothing was changed. Retry after a short wait."
          : "The service cannot reach its database right now: nothing was changed. Retry in a little while.",
      extensions: { code: failure, retryAfterSeconds: RETRY_AFTER_SECONDS[failure] },
    };
  }
  return clientRequestError(error);
}

export function formatError(formatted: GraphQLFormattedError, error: unknown, databaseReachable = true): GraphQLFormattedError {
  const expected = expectedError(error, databaseReachable);
  if (expected) return { message: expected.message, path: formatted.path, locations: formatted.locations, extensions: expected.extensions };
  return { message: "Internal server error", path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
}

/** Codes whose answer carries the request id (the operator finds the request in the log). */
export const CODES_WITH_REQUEST_ID = new Set(["INTERNAL_SERVER_ERROR", "SERVICE_BUSY", "SERVICE_UNAVAILABLE"]);

/** HTTP status for a response whose first error has this code (retryable ones say so to proxies and agents). */
export function httpStatusFor(code: string | undefined): number | undefined {
  if (code === "SERVICE_BUSY" || code === "SERVICE_UNAVAILABLE") return 503;
  if (code === "RATE_LIMITED") return 429;
  return undefined;
}
