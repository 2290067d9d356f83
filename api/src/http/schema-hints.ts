// graphql-js answers a misspelt field, argument, type, input field or enum value with suggestions
// ("Did you mean \"installCodeStatus\"?"): the schema's names, one typo at a time. A caller who may not
// introspect (INTROSPECTION=authenticated or off) gets the error without them; staff keep them.
import type { ApolloServerPlugin } from "@apollo/server";
import type { Introspection } from "../config.js";
import { mayIntrospect } from "../graphql/authorization.js";
import type { GraphQLContext } from "../graphql/context.js";

// graphql-js appends " Did you mean ...?" (names never contain a "?")
const SUGGESTION = / ?Did you mean [^?]*\?/g;

export const withoutSuggestions = (message: string) => message.replace(SUGGESTION, "");

export function schemaHintsPlugin(introspection: Introspection): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (mayIntrospect(contextValue.principal, introspection)) return;
      return {
        // validation and variable-coercion errors alike pass here before they are formatted
        async didEncounterErrors({ errors }) {
          for (const err of errors) err.message = withoutSuggestions(err.message);
        },
      };
    },
  };
}
