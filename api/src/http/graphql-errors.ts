// The GraphQL edge's error mapping: domain errors pass with their contract code and details;
// infrastructure failures become retryable SERVICE_BUSY / SERVICE_UNAVAILABLE; the caller's own
// malformed requests become BAD_USER_INPUT; everything else is a masked INTERNAL_SERVER_ERROR. The
// request id is added to the retryable and internal ones (observability.ts) so the log line is found.
import { PothosValidationError } from "@pothos/core";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { classifyFailure } from "../db/failures.js";
import { DomainError } from "../domain/errors.js";

// Apollo's own request errors (malformed document, wrong variables) are the caller's fault.
export const CLIENT_ERROR_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

const RETRY_AFTER_SECONDS = { SERVICE_BUSY: 2, SERVICE_UNAVAILABLE: 5 } as const;

/** The error a resolver, the context function or a plugin threw, under Apollo's GraphQLError wrapper. */
export const originalError = (error: unknown): unknown => (error instanceof GraphQLError && error.originalError ? error.originalError : error);

/** How the edge answers an error: undefined when it is not an expected one (logged, masked). */
export function expectedError(error: unknown): { message: string; extensions: Record<string, unknown> } | undefined {
  const original = originalError(error);
  if (original instanceof DomainError) return { message: original.message, extensions: { ...original.details, code: original.code } };
  // Pothos rejects bad arguments (e.g. a malformed connection cursor) with this class
  if (original instanceof PothosValidationError) return { message: original.message, extensions: { code: "BAD_USER_INPUT" } };
  const failure = classifyFailure(original);
  if (failure) {
    return {
      message:
        failure === "SERVICE_BUSY"
          ? "The service is busy: nothing was changed. Retry after a short wait."
          : "The service cannot reach its database right now: nothing was changed. Retry in a little while.",
      extensions: { code: failure, retryAfterSeconds: RETRY_AFTER_SECONDS[failure] },
    };
  }
  return undefined;
}

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const expected = expectedError(error);
  if (expected) return { message: expected.message, path: formatted.path, locations: formatted.locations, extensions: expected.extensions };
  const code = formatted.extensions?.code;
  if (typeof code === "string" && CLIENT_ERROR_CODES.has(code)) {
    // a validation rule's own details (reason, limit) survive; the code is the contract's
    const { stacktrace: _s, ...rest } = formatted.extensions ?? {};
    return { message: formatted.message, locations: formatted.locations, extensions: { ...rest, code: "BAD_USER_INPUT", reason: rest.reason ?? code } };
  }
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
