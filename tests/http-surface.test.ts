import { startTestPlane, type TestPlane } from "./helpers/control-plane.js";

let t: TestPlane;
beforeAll(async () => {
  t = await startTestPlane({ BODY_LIMIT: "2kb" });
});
afterAll(() => t.stop());

describe("HTTP surface", () => {
  it("serves health and readiness", async () => {
    expect(await (await fetch(`${t.url}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
  });

  it("publishes the JWKS with public keys only", async () => {
    const res = await fetch(`${t.url}/.well-known/jwks.json`);
    const body = (await res.json()) as { keys: Record<string, string>[] };
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(body.keys[0]!.kid).toBeTruthy();
    expect(body.keys[0]!.d).toBeUndefined();
  });

  it("rejects oversized bodies with BAD_USER_INPUT, not a stack", async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ __typename }`, variables: { pad: "x".repeat(5000) } }),
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe("BAD_USER_INPUT");
    expect(JSON.stringify(body)).not.toMatch(/at .*\.js/);
  });

  it("malformed documents are BAD_USER_INPUT", async () => {
    const res = await t.gql("mutation { nope");
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("refuses cross-site simple requests (CSRF prevention)", async () => {
    const res = await fetch(`${t.url}/graphql?query=%7B__typename%7D`, { method: "GET" });
    expect(res.status).toBe(400);
  });

  it("echoes a request id", async () => {
    const res = await fetch(`${t.url}/healthz`, { headers: { "x-request-id": "abc-123" } });
    expect(res.headers.get("x-request-id")).toBe("abc-123");
  });
});
