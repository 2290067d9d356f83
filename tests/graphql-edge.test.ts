// The thin GraphQL edge (api/src/http/graphql-edge.ts, request-body.ts, exchange.ts): /graphql reads
// its body as express.json() did (encodings, limit after decompression, strict JSON, UTF-8 only), and
// each request still gets exactly one access line; at LOG_LEVEL=warn none is written.
import http from "node:http";
import { gzipSync } from "node:zlib";
import { eventually } from "./helpers/eventually.js";
import { startTestPlane, type TestPlane } from "./helpers/control-plane.js";

let t: TestPlane;
let quiet: TestPlane;
beforeAll(async () => {
  t = await startTestPlane({ BODY_LIMIT: "2kb" });
  quiet = await startTestPlane({ LOG_LEVEL: "warn" });
});
afterAll(async () => {
  await t.stop();
  await quiet.stop();
});

/** A raw POST /graphql (node:http: full control of the headers), answered status, headers and body. */
function post(
  url: string,
  body: Buffer | string,
  headers: Record<string, string | number>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  const target = new URL(`${url}/graphql`);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const TYPENAME = JSON.stringify({ query: "{ __typename }" });
const json = { "content-type": "application/json" };

describe("the body of POST /graphql", () => {
  it("gzip, deflate and br bodies are decompressed", async () => {
    for (const [encoding, body] of [
      ["gzip", gzipSync(TYPENAME)],
      ["deflate", (await import("node:zlib")).deflateSync(TYPENAME)],
      ["br", (await import("node:zlib")).brotliCompressSync(TYPENAME)],
    ] as const) {
      const res = await post(t.url, body, { ...json, "content-encoding": encoding });
      expect([encoding, res.status, res.body]).toEqual([encoding, 200, { data: { __typename: "Query" } }]);
    }
  });

  it("BODY_LIMIT counts the decompressed bytes: a small gzip of a large body is 413", async () => {
    const big = JSON.stringify({ query: "{ __typename }", variables: { pad: "x".repeat(50_000) } });
    const res = await post(t.url, gzipSync(big), { ...json, "content-encoding": "gzip" });
    expect(res.status).toBe(413);
    expect(res.body.errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "ENTITY_TOO_LARGE", requestId: res.headers["x-request-id"] });
  });

  it("a chunked body past BODY_LIMIT (no Content-Length) is 413", async () => {
    const res = await post(t.url, JSON.stringify({ query: "{ __typename }", variables: { pad: "x".repeat(5000) } }), {
      ...json,
      "transfer-encoding": "chunked",
    });
    expect(res.status).toBe(413);
  });

  it.each([
    ["an unknown content encoding", TYPENAME, { ...json, "content-encoding": "compress" }, 415, "ENCODING_UNSUPPORTED"],
    ["a charset other than UTF-8", TYPENAME, { "content-type": "application/json; charset=utf-16" }, 415, "CHARSET_UNSUPPORTED"],
    ["JSON that is not an object or a list", "123", json, 400, "ENTITY_PARSE_FAILED"],
    ["JSON that does not parse", '{"query": ', json, 400, "ENTITY_PARSE_FAILED"],
  ])("%s is refused as BAD_USER_INPUT", async (_name, body, headers, status, reason) => {
    const res = await post(t.url, body, headers);
    expect([res.status, res.body.errors[0].extensions]).toEqual([status, expect.objectContaining({ code: "BAD_USER_INPUT", reason })]);
  });

  it("a UTF-8 BOM and surrounding whitespace are accepted", async () => {
    const res = await post(t.url, `\uFEFF \n${TYPENAME}\n`, { "content-type": "application/json; charset=UTF-8" });
    expect([res.status, res.body]).toEqual([200, { data: { __typename: "Query" } }]);
  });

  it("a body that is not JSON is left to Apollo (CSRF prevention refuses a simple request)", async () => {
    const res = await post(t.url, TYPENAME, { "content-type": "text/plain" });
    expect(res.status).toBe(400);
  });
});

describe("the access line", () => {
  it("one per request, with its status and operation", async () => {
    const res = await post(t.url, TYPENAME, { ...json, "x-request-id": "edge-one-line" });
    expect(res.status).toBe(200);
    const lines = (id: string) => t.logs.map((l) => JSON.parse(l)).filter((l) => l.requestId === id);
    // lines are written when a response closes: once a later request's line is there, this one's are all
    await post(t.url, TYPENAME, { ...json, "x-request-id": "edge-after" });
    await eventually(async () => lines("edge-after").length, Boolean);
    expect(lines("edge-one-line")).toEqual([
      expect.objectContaining({
        msg: "request",
        req: expect.objectContaining({ method: "POST", path: "/graphql" }),
        res: { status: 200 },
        principal: "anonymous",
        field: "__typename",
        outcome: "ok",
      }),
    ]);
  });

  it("at LOG_LEVEL=warn nothing is logged for a served request", async () => {
    const res = await post(quiet.url, TYPENAME, { ...json, "x-request-id": "edge-quiet" });
    expect(res.status).toBe(200);
    // the first response closed before the second request was sent: its line would be written by now
    expect((await post(quiet.url, TYPENAME, json)).status).toBe(200);
    expect(quiet.logs.filter((l) => l.includes("edge-quiet"))).toEqual([]);
  });
});
