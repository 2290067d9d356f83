// Apollo Server plugins at the edge: per-operation metrics and the access line's operation fields, one log line with the full
// detail for each unexpected or infrastructure error (the caller sees only its code and the request
// id), and the HTTP status + Retry-After of retryable answers.
import type { ApolloServerPlugin } from "@apollo/server";
import { Kind } from "graphql";
import type { DatabaseHealth } from "../db/health.js";
import { isClientTimeout } from "../db/failures.js";
import type { GraphQLContext } from "../graphql/context.js";
import { CLIENT_ERROR_CODES, CODES_WITH_REQUEST_ID, expectedError, httpStatusFor, originalError } from "./graphql-errors.js";
import type { Metrics } from "./metrics.js";

export function observabilityPlugin(metrics: Metrics | undefined, database?: Pick<DatabaseHealth, "reachableNow">): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors }) {
          // a client-side timeout is an outage or saturation by what the database's probe says now;
          // the probe's verdict also decides how formatError words it (Apollo formats after this hook)
          const reachable = database && errors.some((e) => isClientTimeout(originalError(e))) ? await database.reachableNow() : true;
          for (const err of errors) {
            const expected = expectedError(err, reachable);
            const code = expected?.extensions.code ?? err.extensions?.code;
            if (typeof code === "string" && CLIENT_ERROR_CODES.has(code)) continue;
            if (expected && !CODES_WITH_REQUEST_ID.has(String(code))) continue;
            const original = originalError(err);
            const level = expected ? "warn" : "error";
            contextValue.log[level](
              { err: original, path: err.path, code: code ?? "INTERNAL_SERVER_ERROR" },
              expected ? "GraphQL request failed on infrastructure" : "unexpected error while executing GraphQL",
            );
          }
        },
        async willSendResponse({ response, operationName, operation, errors }) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const name = operationName ?? operation?.name?.value ?? "anonymous";
          // Metrics are labelled by the root field (a name the schema bounds), never by the client's
          // operation name: any caller could otherwise grow /metrics without limit.
          const root = operation?.selectionSet.selections.find((sel) => sel.kind === Kind.FIELD);
          const field = root?.kind === Kind.FIELD ? root.name.value : operation ? "other" : "none";
          const single = response.body.kind === "single" ? response.body.singleResult : undefined;
          for (const e of single?.errors ?? []) {
            if (CODES_WITH_REQUEST_ID.has(String(e.extensions?.code))) (e.extensions as Record<string, unknown>).requestId = contextValue.requestId;
          }
          const first = single?.errors?.[0];
          const firstCode = first?.extensions?.code as string | undefined;
          const status = single && !single.data ? httpStatusFor(firstCode) : undefined;
          if (status) {
            response.http.status = status;
            const after = first?.extensions?.retryAfterSeconds;
            if (typeof after === "number") response.http.headers.set("retry-after", String(after));
          }
          const outcome = first ? String(firstCode ?? "ERROR") : errors?.length ? "ERROR" : "ok";
          metrics?.operation(field, outcome, seconds);
          // said once, on the request's access line (http/exchange.ts), not on a second line of its own
          Object.assign(contextValue.report, { operation: name, field, operationType: operation?.operation, outcome });
        },
      };
    },
  };
}
