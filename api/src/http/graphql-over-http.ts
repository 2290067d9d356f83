// GraphQL over HTTP (the GraphQL Foundation's spec) for what Apollo Server leaves to the application:
// a request error (the document does not parse, does not validate, or its variables do not coerce:
// no execution, no `data`) is answered with 200 when the response is `application/json`, the legacy
// media type whose clients read errors from the body, and keeps its 4xx with
// `application/graphql-response+json`, whose status codes mean what they say.
//
// The media type is negotiated as Apollo Server does it (no Accept: application/json; else the
// client's preference among application/json and application/graphql-response+json, application/json
// first on a tie).
import type { ApolloServerPlugin } from "@apollo/server";
import Negotiator from "negotiator";

export const GRAPHQL_RESPONSE_JSON = "application/graphql-response+json";
const JSON_TYPE = "application/json";

/** The response media type for an Accept header, as Apollo Server chooses it (undefined: 406). */
export function responseMediaType(accept: string | undefined): string | undefined {
  if (!accept) return JSON_TYPE;
  return new Negotiator({ headers: { accept } }).mediaType([JSON_TYPE, GRAPHQL_RESPONSE_JSON]) ?? undefined;
}

/** The status of a request error (no execution) for this Accept header: 200 for application/json. */
export function requestErrorStatus(accept: string | undefined, status = 400): number {
  return responseMediaType(accept) === JSON_TYPE ? 200 : status;
}

/** Apollo's codes of the errors that stop a request before execution (variable coercion: BAD_USER_INPUT) */
const REQUEST_ERROR_CODES: ReadonlySet<string> = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "OPERATION_RESOLUTION_FAILURE",
]);

export function graphqlOverHttpPlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ request, response, errors }) {
          const status = response.http.status;
          if (status !== 400 || response.body.kind !== "single" || response.body.singleResult.data !== undefined) return;
          // only GraphQL request errors: a request that is not a well-formed GraphQL-over-HTTP request
          // (no query, a number as the query, a refused persisted query) keeps its 400
          if (!errors?.length || !errors.every((e) => REQUEST_ERROR_CODES.has(String(e.extensions.code)))) return;
          response.http.status = requestErrorStatus(request.http?.headers.get("accept"), status);
        },
      };
    },
  };
}
