// The access map is built once from the schema's Pothos authScopes; a scope shape it cannot evaluate
// before execution stops the start-up instead of being misjudged at run time.
import SchemaBuilder from "@pothos/core";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { buildAccessMap } from "../api/src/graphql/authorization.js";
import { schema } from "../api/src/graphql/schema.js";

function schemaWith(authScopes: unknown) {
  const builder = new SchemaBuilder<{ AuthScopes: { admin: boolean; support: boolean }; Context: object }>({
    plugins: [ScopeAuthPlugin],
    scopeAuth: { authScopes: () => ({ admin: false, support: false }) },
    // (the Prisma plugin's global types ask every builder in this program for its options)
  } as never);
  builder.queryType({ fields: (t) => ({ secret: t.string({ authScopes: authScopes as never, resolve: () => "x" }) }) });
  return builder.toSchema();
}

it("maps every scoped type and field of the real schema to its roles", () => {
  const access = buildAccessMap(schema);
  expect(access.get("Query.tenants")).toEqual(new Set(["support", "admin"]));
  expect(access.get("Mutation.registerTenant")).toEqual(new Set(["store"]));
  expect(access.get("Mutation.checkIn")).toEqual(new Set(["appliance"]));
  expect(access.get("Mutation.redeemInstallCode")).toBeUndefined(); // the code is the credential
  expect(access.get("Tenant.installCodes")).toEqual(new Set(["support", "admin"]));
});

it.each([
  ["a function", () => ({ admin: true })],
  ["a computed value", { admin: false }],
  ["an unknown scope", { root: true }],
  ["a combinator", { $any: { admin: true } }],
  ["an empty object", {}],
])("refuses %s at build time", (_what, scopes) => {
  expect(() => buildAccessMap(schemaWith(scopes))).toThrow(/Query\.secret/);
});
