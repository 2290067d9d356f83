// Checks the static Pothos authScopes of every field in the operation before anything executes, so a
// mutation whose selection asks for data the caller may not read is refused whole instead of writing
// first and failing on the read. Pothos' scope-auth still enforces the same scopes at run time.
import type { ApolloServerPlugin } from "@apollo/server";
import { TypeInfo, visit, visitWithTypeInfo, type GraphQLSchema } from "graphql";
import { DomainError } from "../domain/errors.js";
import type { GraphQLContext } from "../graphql/context.js";

type Scopes = Record<string, unknown> | undefined;

function scopesOf(extensions: unknown): Scopes {
  const scopes = (extensions as { pothosOptions?: { authScopes?: unknown } } | undefined)?.pothosOptions?.authScopes;
  return scopes && typeof scopes === "object" ? (scopes as Record<string, unknown>) : undefined;
}

export function preflightAuthorization(schema: GraphQLSchema): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, contextValue }) {
          const who = contextValue.principal.kind;
          const typeInfo = new TypeInfo(schema);
          let denied: string | undefined;
          visit(
            document,
            visitWithTypeInfo(typeInfo, {
              Field() {
                if (denied) return;
                const parent = typeInfo.getParentType();
                const field = typeInfo.getFieldDef();
                for (const [where, scopes] of [
                  [parent?.name, scopesOf(parent?.extensions)],
                  [`${parent?.name}.${field?.name}`, scopesOf(field?.extensions)],
                ] as const) {
                  if (scopes && scopes[who] !== true) denied = where;
                }
              },
            }),
          );
          if (!denied) return;
          throw who === "anonymous"
            ? new DomainError("UNAUTHENTICATED", "Authentication required: send an API key as 'Authorization: Bearer <key>'.", { http: { status: 200 } })
            : new DomainError("FORBIDDEN", `The ${who} principal may not read ${denied}.`, { http: { status: 200 } });
        },
      };
    },
  };
}
