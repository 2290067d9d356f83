// /metrics: the database pool's gauges and the build's info; W3C trace context: a request's
// traceparent reaches its log lines (access line, error lines) and a traceparent comes back; the API
// key's id (never its secret) on the access line.
import { createApiKey } from "../api/src/domain/api-keys.js";
import { parseTraceparent } from "../api/src/http/trace-context.js";
import { eventually } from "./helpers/eventually.js";
import { startTestPlane, type TestPlane } from "./helpers/control-plane.js";

let t: TestPlane;
beforeAll(async () => {
  t = await startTestPlane({ BUILD_COMMIT: "0123abc" });
});
afterAll(() => t.stop());

const lines = () => t.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
const accessLineOf = (requestId: string) => eventually(async () => lines().find((l) => l.msg === "request" && l.requestId === requestId), Boolean);

async function post(query: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ query }) });
  await res.text();
  return { status: res.status, requestId: res.headers.get("x-request-id")!, traceparent: res.headers.get("traceparent") };
}

describe("/metrics", () => {
  it("has the pool's total, idle, waiting and max connections, and the build info", async () => {
    await post("{ __typename }");
    const text = await (await fetch(`${t.url}/metrics`)).text();
    for (const state of ["total", "idle", "waiting"]) expect(text).toMatch(new RegExp(`^alga_license_db_pool_connections\\{state="${state}"\\} \\d+$`, "m"));
    expect(text).toMatch(/^alga_license_db_pool_connections\{state="max"\} 5$/m); // DATABASE_POOL_SIZE of the test plane
    expect(text).toContain(`alga_license_build_info{version="0.1.0",node_version="${process.version}",commit="0123abc"} 1`);
  });

  it("the pool gauges follow the pool: a held connection is counted, then idle again", async () => {
    const held = await t.plane.pool.connect();
    try {
      const text = await (await fetch(`${t.url}/metrics`)).text();
      const total = Number(/alga_license_db_pool_connections\{state="total"\} (\d+)/.exec(text)![1]);
      const idle = Number(/alga_license_db_pool_connections\{state="idle"\} (\d+)/.exec(text)![1]);
      expect(total - idle).toBeGreaterThanOrEqual(1);
    } finally {
      held.release();
    }
  });
});

describe("trace context", () => {
  const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  const PARENT = "00f067aa0ba902b7";

  it("an incoming traceparent: its trace id and a new span of this server on the access line and the response", async () => {
    const r = await post("{ __typename }", { traceparent: `00-${TRACE}-${PARENT}-01` });
    const back = parseTraceparent(r.traceparent!)!;
    expect(back.traceId).toBe(TRACE);
    expect(back.parentSpanId).not.toBe(PARENT);
    expect(back.flags).toBe("01");
    expect(await accessLineOf(r.requestId)).toMatchObject({ traceId: TRACE, spanId: back.parentSpanId, parentSpanId: PARENT });
  });

  it.each([
    ["absent", undefined],
    ["malformed", "00-xyz-00f067aa0ba902b7-01"],
    ["all-zero trace id", `00-${"0".repeat(32)}-${PARENT}-01`],
    ["version ff", `ff-${TRACE}-${PARENT}-01`],
  ])("%s: a new trace is started and returned", async (_name, header) => {
    const r = await post("{ __typename }", header ? { traceparent: header } : {});
    const back = parseTraceparent(r.traceparent!)!;
    expect(back).toBeDefined();
    expect(back.traceId).not.toBe(TRACE);
    const line = await accessLineOf(r.requestId);
    expect(line).toMatchObject({ traceId: back.traceId, spanId: back.parentSpanId });
    expect(line).not.toHaveProperty("parentSpanId");
  });

  it("an error line of the request carries its trace", async () => {
    await t.plane.pool.query("ALTER TABLE tenant_registry RENAME TO tenant_registry_away");
    try {
      const r = await post("{ tenants(first: 1) { totalCount } }", { authorization: `Bearer ${t.keys.support}`, traceparent: `00-${TRACE}-${PARENT}-00` });
      expect(r.status).toBe(200);
      const errorLine = await eventually(async () => lines().find((l) => l.requestId === r.requestId && l.level === 50), Boolean);
      expect(errorLine).toMatchObject({
        traceId: TRACE,
        spanId: parseTraceparent(r.traceparent!)!.parentSpanId,
        msg: "unexpected error while executing GraphQL",
      });
    } finally {
      await t.plane.pool.query("ALTER TABLE tenant_registry_away RENAME TO tenant_registry");
    }
  });

  it("traceparent is also returned by the other routes", async () => {
    const res = await fetch(`${t.url}/healthz`, { headers: { traceparent: `00-${TRACE}-${PARENT}-01` } });
    expect(parseTraceparent(res.headers.get("traceparent")!)?.traceId).toBe(TRACE);
  });
});

it("the access line names the API key's id, never its secret", async () => {
  const { key, row } = await createApiKey(t.plane.pool, "SUPPORT", "trace-support");
  const r = await post("{ __typename }", { authorization: `Bearer ${key}` });
  const line = await accessLineOf(r.requestId);
  expect(line).toMatchObject({ principal: "support", apiKeyId: row.id });
  expect(JSON.stringify(lines())).not.toContain(key);
  const anonymous = await accessLineOf((await post("{ __typename }")).requestId);
  expect(anonymous).not.toHaveProperty("apiKeyId");
});
