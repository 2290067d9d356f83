// GraphQL over HTTP: graphql-http's server audit against the running API (0 warnings, 0 errors), and
// the status of a request error by the negotiated media type.
import { auditServer } from "graphql-http";
import { startTestPlane, type TestPlane } from "./helpers/control-plane.js";

let t: TestPlane;
beforeAll(async () => {
  t = await startTestPlane();
});
afterAll(() => t.stop());

/** What a GET client does here (README / docs/GRAPHQL-HTTP.md): the CSRF preflight header on every GET. */
const getClientFetch: typeof fetch = (input, init) => {
  if ((init?.method ?? "GET").toUpperCase() !== "GET") return fetch(input, init);
  const headers = new Headers(init?.headers);
  headers.set("apollo-require-preflight", "true");
  return fetch(input, { ...init, headers });
};

it("graphql-http's server audit passes: no warning, no error, no notice", async () => {
  const results = await auditServer({ url: `${t.url}/graphql`, fetchFn: getClientFetch });
  const problems = await Promise.all(
    results
      .filter((r) => r.status !== "ok")
      .map(
        async (r) =>
          `${r.status} ${r.id} ${r.name}: ${"reason" in r ? r.reason : ""} ${
            "response" in r
              ? `${r.response.status} ${await r.response
                  .clone()
                  .text()
                  .catch(() => "")}`
              : ""
          }`,
      ),
  );
  expect(problems).toEqual([]);
  expect(results.length).toBeGreaterThan(30);
});

const post = (body: string, accept?: string) =>
  fetch(`${t.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...(accept ? { accept } : {}) }, body });

it.each([
  ["does not parse", JSON.stringify({ query: "{" })],
  ["does not validate", JSON.stringify({ query: "{ noSuchField }" })],
  [
    "variables do not coerce",
    JSON.stringify({ query: "query($c: String!) { installCodeStatus(installCode: $c) { state } }", variables: { c: { not: "a string" } } }),
  ],
  ["a NUL in the document (refused before parsing)", JSON.stringify({ query: '{ __typename(x: "\u0000") }' })],
])("a request error (%s): 200 for application/json, 400 for application/graphql-response+json", async (_name, body) => {
  for (const accept of [undefined, "application/json", "*/*", "application/json, application/graphql-response+json;q=0.9"]) {
    const res = await post(body, accept);
    expect([accept, res.status, res.headers.get("content-type")]).toEqual([accept, 200, expect.stringMatching(/^application\/json/)]);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe("BAD_USER_INPUT");
  }
  for (const accept of ["application/graphql-response+json", "application/graphql-response+json, application/json;q=0.9"]) {
    const res = await post(body, accept);
    expect([accept, res.status, res.headers.get("content-type")]).toEqual([accept, 400, expect.stringMatching(/^application\/graphql-response\+json/)]);
  }
});

it("an error during execution keeps its own status (UNAUTHENTICATED is 200 with data null, as before)", async () => {
  const res = await post(JSON.stringify({ query: "{ tenants(first: 1) { totalCount } }" }), "application/graphql-response+json");
  expect(res.status).toBe(200);
});

it("GET queries need the CSRF preflight header (what @urql/core with preferGetMethod must send)", async () => {
  const url = `${t.url}/graphql?query=${encodeURIComponent("{ __typename }")}`;
  expect((await fetch(url)).status).toBe(400);
  const res = await fetch(url, { headers: { "apollo-require-preflight": "true" } });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ data: { __typename: "Query" } });
});
