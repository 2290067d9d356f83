// The Pothos schema builder: Prisma plugin (selections planned from the query: no N+1), Relay
// connections, scope-based authorization per principal, and query complexity limits.
import SchemaBuilder from "@pothos/core";
import ComplexityPlugin from "@pothos/plugin-complexity";
import PrismaPlugin from "@pothos/plugin-prisma";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { DateTimeResolver, JSONResolver } from "graphql-scalars";
import { DomainError } from "../domain/errors.js";
import type PrismaTypes from "../generated/pothos-types.js";
import { getDatamodel } from "../generated/pothos-types.js";
import { unauthenticated } from "./authorization.js";
import type { GraphQLContext } from "./context.js";

export const builder = new SchemaBuilder<{
  PrismaTypes: PrismaTypes;
  Context: GraphQLContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  AuthScopes: { store: boolean; support: boolean; admin: boolean; appliance: boolean };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, PrismaPlugin, RelayPlugin, ComplexityPlugin],
  prisma: {
    client: (ctx) => ctx.services.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
  scopeAuth: {
    authScopes: (ctx) => ({
      store: ctx.principal.kind === "store",
      support: ctx.principal.kind === "support",
      admin: ctx.principal.kind === "admin",
      appliance: ctx.principal.kind === "appliance",
    }),
    unauthorizedError: (_parent, ctx) =>
      ctx.principal.kind === "anonymous"
        ? unauthenticated(ctx.principal)
        : new DomainError("FORBIDDEN", `The ${ctx.principal.kind} principal may not do this.`),
  },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: (ctx) => ctx.limits,
    complexityError: (kind, result) => {
      const measure = kind.toLowerCase() as "depth" | "breadth" | "complexity";
      const max = { depth: result.maxDepth, breadth: result.maxBreadth, complexity: result.maxComplexity }[measure];
      return new DomainError("BAD_USER_INPUT", `Query ${measure} ${result[measure]} exceeds the limit of ${max}.`, {
        limit: measure,
      });
    },
  },
});

builder.addScalarType("DateTime", DateTimeResolver);
builder.addScalarType("JSON", JSONResolver);
builder.queryType({});
builder.mutationType({});
