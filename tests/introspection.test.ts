// The standard introspection query (graphql-js getIntrospectionQuery(), what GraphiQL, codegen,
// graphql-inspector and IDEs send) is answered at the default limits: an introspection selection
// counts one level of the operation depth and is bounded by its own rule. With
// INTROSPECTION=authenticated it needs a staff key.
import { buildClientSchema, buildSchema, getIntrospectionQuery, parse, printSchema, validate, type IntrospectionQuery } from "graphql";
import { depthRule, INTROSPECTION_MAX_DEPTH } from "../api/src/http/request-limits.js";
import { codeOf, startTestPlane, type TestPlane } from "./helpers/control-plane.js";

const STANDARD = getIntrospectionQuery();
// every option on: what GraphiQL 5 and graphql-inspector ask for, at their widest
const WIDEST = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
});
const ofType = (n: number): string => (n === 0 ? "name" : `ofType { ${ofType(n - 1)} }`);

describe("at the default limits (INTROSPECTION=public, GRAPHQL_MAX_DEPTH=10)", () => {
  let t: TestPlane;
  beforeAll(async () => {
    t = await startTestPlane();
  });
  afterAll(() => t.stop());

  it.each([
    ["getIntrospectionQuery()", STANDARD],
    ["getIntrospectionQuery() with every option", WIDEST],
  ])("%s is answered and builds a client schema with the API's types", async (_name, query) => {
    const res = await t.gql<IntrospectionQuery>(query);
    expect(res.errors).toBeUndefined();
    expect(res.status).toBe(200);
    const schema = buildClientSchema(res.data!);
    expect(schema.getQueryType()?.name).toBe("Query");
    expect(schema.getMutationType()?.getFields()).toHaveProperty("redeemInstallCode");
    expect(printSchema(schema)).toContain("type Tenant");
  });

  it("an introspection selection is still bounded: ofType nested 30 levels is refused with DEPTH_LIMIT", async () => {
    const res = await t.gql(`{ __type(name: "Query") { ${ofType(30)} } }`);
    expect(codeOf(res)).toBe("BAD_USER_INPUT");
    expect(res.errors![0]!.extensions).toMatchObject({ reason: "DEPTH_LIMIT", limit: "introspectionDepth" });
    const lists = await t.gql(`{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`);
    expect(codeOf(lists)).toBe("BAD_USER_INPUT"); // graphql-js MaxIntrospectionDepthRule: list fields nested 3 deep
  });
});

describe("depthRule", () => {
  const schema = buildSchema(`type Node { id: ID child: Node } type Query { node: Node }`);
  const nested = (n: number): string => (n === 0 ? "id" : `child { ${nested(n - 1)} }`);
  const errors = (query: string) => validate(schema, parse(query), [depthRule(10)]).map((e) => e.message);

  it("ordinary fields keep the operation limit beside an introspection selection", () => {
    expect(errors(`{ node { ${nested(8)} } }`)).toEqual([]); // 10 levels
    expect(errors(`{ __schema { queryType { name } } node { ${nested(9)} } }`)).toEqual(["Query depth 11 exceeds the limit of 10."]);
  });

  it("an introspection selection counts one level, and its own subtree up to INTROSPECTION_MAX_DEPTH", () => {
    expect(errors(STANDARD)).toEqual([]);
    expect(errors(`{ __type(name: "Node") { ${ofType(INTROSPECTION_MAX_DEPTH - 2)} } }`)).toEqual([]);
    expect(errors(`{ __type(name: "Node") { ${ofType(INTROSPECTION_MAX_DEPTH - 1)} } }`)).toEqual([
      `Introspection depth ${INTROSPECTION_MAX_DEPTH + 1} exceeds the limit of ${INTROSPECTION_MAX_DEPTH} (counted from __schema or __type).`,
    ]);
    // through a fragment, as the standard query's TypeRef
    expect(errors(`{ __type(name: "Node") { ...T } } fragment T on __Type { ${ofType(40)} }`)).toHaveLength(1);
  });
});

describe("INTROSPECTION=authenticated", () => {
  let t: TestPlane;
  beforeAll(async () => {
    t = await startTestPlane({ INTROSPECTION: "authenticated" });
  });
  afterAll(() => t.stop());

  it("the standard query: anonymous is refused, a staff key gets the schema", async () => {
    expect(codeOf(await t.gql(STANDARD))).toBe("UNAUTHENTICATED");
    for (const token of [t.keys.support, t.keys.admin, t.keys.store]) {
      const res = await t.gql<IntrospectionQuery>(STANDARD, undefined, { token });
      expect(res.errors).toBeUndefined();
      expect(buildClientSchema(res.data!).getType("Tenant")).toBeDefined();
    }
  });
});
