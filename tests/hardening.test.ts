import { CHECK_IN, REDEEM, REGISTER, REISSUE, startTestPlane, type TestPlane } from "./helpers/control-plane.js";

let t: TestPlane;
beforeAll(async () => {
  t = await startTestPlane({ GRAPHQL_MAX_DEPTH: "5", GRAPHQL_MAX_COMPLEXITY: "300" });
});
afterAll(() => t.stop());

describe("query limits", () => {
  it("rejects a query deeper than GRAPHQL_MAX_DEPTH before running it", async () => {
    const deep = `{ tenants(first: 1) { edges { node { installCodes { entitlement { id } } } } } }`;
    const res = await t.gql(deep, {}, { token: t.keys.support });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "depth" });
    expect(res.errors?.[0]?.message).toMatch(/depth 6 exceeds the limit of 5/);
  });

  it("rejects a query more complex than GRAPHQL_MAX_COMPLEXITY", async () => {
    const wide = `{ tenants(first: 100) { edges { node { id installCodes { id state } appliances { id } auditEvents { id } } } } }`;
    const res = await t.gql(wide, {}, { token: t.keys.support });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "complexity" });
  });

  it("accepts ordinary support queries within the limits", async () => {
    const res = await t.gql(`{ tenants(first: 20) { totalCount edges { node { id companyName status } } } }`, {}, { token: t.keys.support });
    expect(res.errors).toBeUndefined();
  });
});

describe("error masking", () => {
  it("an unexpected failure is INTERNAL_SERVER_ERROR with a request id; the detail is only in the log", async () => {
    const services = t.plane.services;
    const original = services.isoLinks;
    services.isoLinks = { presign: () => Promise.reject(new Error('relation "secret_table" does not exist at SELECT * FROM x')) };
    try {
      const res = await t.gql(REGISTER, { input: { companyName: "Boom", contactEmail: "boom@x.test", edition: "PRO" } }, { token: t.keys.store });
      expect(res.errors).toHaveLength(1);
      const err = res.errors![0]!;
      expect(err.message).toBe("Internal server error");
      expect(err.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR", requestId: expect.any(String) });
      expect(JSON.stringify(res)).not.toMatch(/secret_table|SELECT|stack|\.ts:/);
      const logged = t.logs.find((l) => l.includes("secret_table"));
      expect(logged).toBeDefined();
      expect(JSON.parse(logged!)).toMatchObject({ requestId: err.extensions!.requestId, level: 50 });
    } finally {
      services.isoLinks = original;
    }
  });
});

describe("client mistakes are BAD_USER_INPUT, not server faults", () => {
  const post = async (body: string, contentType = "application/json") => {
    const res = await fetch(`${t.url}/graphql`, { method: "POST", headers: { "content-type": contentType }, body });
    const requestId = res.headers.get("x-request-id")!;
    return { status: res.status, requestId, body: (await res.json()) as { errors?: { message: string; extensions: Record<string, unknown> }[] } };
  };
  // no line of the request at error level, and no stack anywhere in its lines
  const loggedAsFault = (requestId: string) =>
    t.logs.filter((l) => l.includes(requestId)).some((l) => (JSON.parse(l) as { level: number }).level >= 50 || l.includes('"stack"'));

  it("persisted-query refusals keep Apollo's HTTP status and are not logged as errors", async () => {
    const cases: [unknown, number, string][] = [
      // Apollo sets a 400 status on these but no code (it would default to INTERNAL_SERVER_ERROR)
      [{ query: "{ __typename }", extensions: { persistedQuery: { version: 1, sha256Hash: "abc" } } }, 400, "BAD_REQUEST"],
      [{ query: "{ __typename }", extensions: { persistedQuery: { version: 2, sha256Hash: "abc" } } }, 400, "BAD_REQUEST"],
      [{ extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } }, 200, "PERSISTED_QUERY_NOT_FOUND"],
    ];
    for (const [body, status, reason] of cases) {
      const res = await post(JSON.stringify(body));
      expect(res.status).toBe(status);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason });
      expect(JSON.stringify(res.body)).not.toMatch(/Internal server error|stack|\.js:/);
      expect(loggedAsFault(res.requestId)).toBe(false);
    }
  });

  it("a body in another charset than UTF-8 is 415 BAD_USER_INPUT naming the fix, not logged as an error", async () => {
    const res = await post(JSON.stringify({ query: "{ __typename }" }), "application/json; charset=latin1");
    expect(res.status).toBe(415);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "CHARSET_UNSUPPORTED", requestId: res.requestId });
    expect(res.body.errors?.[0]?.message).toMatch(/charset.*UTF-8/i);
    expect(loggedAsFault(res.requestId)).toBe(false);
  });

  it("every Apollo client-error code maps to BAD_USER_INPUT; errors without one stay masked INTERNAL_SERVER_ERROR", async () => {
    const { ApolloServerErrorCode } = await import("@apollo/server/errors");
    const { GraphQLError } = await import("graphql");
    const { formatError } = await import("../api/src/http/graphql-errors.js");
    const format = (e: InstanceType<typeof GraphQLError>) =>
      formatError({ message: e.message, extensions: { ...e.extensions, code: e.extensions.code ?? "INTERNAL_SERVER_ERROR" } }, e);
    for (const code of Object.values(ApolloServerErrorCode)) {
      const out = format(new GraphQLError("refused", { extensions: { code } }));
      expect(out.extensions?.code).toBe(code === "INTERNAL_SERVER_ERROR" ? "INTERNAL_SERVER_ERROR" : "BAD_USER_INPUT");
    }
    // a resolver's failure, or one Apollo answers with a 5xx, is the server's
    expect(format(new GraphQLError("boom", { originalError: new Error("boom") }))).toEqual({
      message: "Internal server error",
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
    expect(format(new GraphQLError("Context creation failed: boom", { extensions: { http: { status: 500 } } })).extensions?.code).toBe("INTERNAL_SERVER_ERROR");
  });
});

describe("logs", () => {
  it("carry request id and principal, and never a code, credential, token or key", async () => {
    const reg = (
      await t.gql(
        REGISTER,
        { input: { companyName: "Logs", contactEmail: "logs@x.test", edition: "PRO", idempotencyKey: "log-key-1" } },
        { token: t.keys.store },
      )
    ).data.registerTenant;
    await t.gql(REDEEM, { input: { installCode: "WRONG-CODE", applianceId: "log-box" } });
    const red = (await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId: "log-box" } })).data.redeemInstallCode;
    const chk = (await t.gql(CHECK_IN, { input: { applianceId: "log-box" } }, { token: red.applianceCredential })).data.checkIn;
    const re = (await t.gql(REISSUE, { input: { tenantId: reg.tenantId } }, { token: t.keys.admin })).data.reissueInstallCode;
    await new Promise((r) => setTimeout(r, 500)); // let the outbox worker log its sends

    const all = t.logs.join("\n");
    const secrets = [
      reg.installCode,
      reg.installCode.replace(/-/g, ""),
      re.installCode,
      red.applianceCredential,
      red.firstJwt,
      chk.token,
      t.keys.store,
      t.keys.admin,
      t.keys.support,
    ];
    for (const secret of secrets) expect(all).not.toContain(secret);
    expect(all).not.toContain("WRONG-CODE");

    const ops = t.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "request" && l.req?.path === "/graphql" && l.res?.status === 200); // (a body refused before GraphQL has no operation)
    expect(ops.length).toBeGreaterThanOrEqual(5);
    for (const l of ops)
      expect(l).toEqual(
        expect.objectContaining({
          requestId: expect.any(String),
          principal: expect.any(String),
          operation: expect.any(String),
          field: expect.any(String),
          outcome: expect.any(String),
        }),
      );
    // one line per request: the operation rides on the access line
    expect(t.logs.filter((l) => l.includes("graphql operation"))).toEqual([]);
    expect(ops.map((l) => l.principal)).toEqual(expect.arrayContaining(["store", "anonymous", "appliance", "admin"]));
  });
});

describe("metrics", () => {
  it("exposes request counts and latency by operation, redemptions by outcome, and the outbox backlog", async () => {
    await t.gql(REDEEM, { input: { installCode: "NOPE", applianceId: "m-box" } });
    const reg = (await t.gql(REGISTER, { input: { companyName: "Metrics", contactEmail: "m@x.test", edition: "ESSENTIALS" } }, { token: t.keys.store })).data
      .registerTenant;
    await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId: "m-box" } });
    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(text).toMatch(/alga_license_graphql_operations_total\{operation="registerTenant",outcome="ok"\} \d+/);
    expect(text).toMatch(/alga_license_graphql_operation_duration_seconds_bucket\{le="0.5",operation="redeemInstallCode"\} \d+/);
    expect(text).toMatch(/alga_license_install_code_redemptions_total\{outcome="SUCCESS"\} [1-9]/);
    expect(text).toMatch(/alga_license_install_code_redemptions_total\{outcome="INVALID_INSTALL_CODE"\} [1-9]/);
    expect(text).toMatch(/alga_license_email_outbox_backlog\{status="PENDING"\} \d+/);
    expect(text).toMatch(/alga_license_email_outbox_backlog\{status="DEAD"\} 0/);
    expect(text).toMatch(/alga_license_http_requests_total\{route="\/graphql",status="200"\} \d+/);
  });

  it("labels operations by root field: client-chosen operation names cannot grow the metrics", async () => {
    const before = (await (await fetch(`${t.url}/metrics`)).text()).split("\n").length;
    for (let i = 0; i < 20; i++) await t.gql(`query Attack${i}x { __typename }`, {});
    for (let i = 0; i < 5; i++) await t.gql(`query Broken${i}x { nope }`, {});
    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(text).not.toMatch(/Attack|Broken/);
    expect(text).toMatch(/alga_license_graphql_operations_total\{operation="__typename",outcome="ok"\} 20/);
    expect(text).toMatch(/alga_license_graphql_operations_total\{operation="none",outcome="BAD_USER_INPUT"\} ([5-9]|\d\d+)\n/);
    expect(text.split("\n").length - before).toBeLessThan(60); // two new series with their buckets (~40 lines), not 25 (~350)
  });
});
