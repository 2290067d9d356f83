// Issue 10 #2: behind the chart's ingress (TRUST_PROXY=1, one proxy hop) the redemption failure limit
// is per customer address, not global. Tested through a real reverse proxy hop on loopback: clients
// connect from different loopback addresses (127.0.0.2, 127.0.0.3, …) and the proxy appends the address
// it saw to X-Forwarded-For, as an ingress does.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parseTrustProxy } from "../api/src/config.js";
import { REDEEM, REGISTER, startTestPlane, type TestPlane } from "./helpers/control-plane.js";

let t: TestPlane;
let proxy: http.Server;
let proxyUrl: URL;

beforeAll(async () => {
  t = await startTestPlane({ TRUST_PROXY: "1", REDEEM_MAX_FAILURES: "3" });
  const target = new URL(t.url);
  proxy = http.createServer((req, res) => {
    const seen = req.socket.remoteAddress!.replace(/^::ffff:/, "");
    const prior = req.headers["x-forwarded-for"];
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, "x-forwarded-for": prior ? `${prior}, ${seen}` : seen },
      },
      (up) => {
        res.writeHead(up.statusCode!, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "0.0.0.0", resolve));
  proxyUrl = new URL(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}/graphql`);
});
afterAll(async () => {
  await new Promise((r) => proxy.close(r));
  await t.stop();
});

/** A GraphQL call through the proxy from a given loopback source address (optionally with a forged XFF). */
function viaProxy(from: string, query: string, variables: Record<string, unknown>, forged?: string): Promise<any> {
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: proxyUrl.hostname,
        port: proxyUrl.port,
        path: proxyUrl.pathname,
        method: "POST",
        localAddress: from,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...(forged ? { "x-forwarded-for": forged } : {}) },
      },
      (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve(JSON.parse(text)));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const code = (res: any) => res.errors?.[0]?.extensions?.code;

it("TRUST_PROXY is parsed: a number is a hop count, booleans and address lists are what they say, nonsense is refused", () => {
  expect(parseTrustProxy("1")).toBe(1);
  expect(parseTrustProxy("2")).toBe(2);
  expect(parseTrustProxy("true")).toBe(true);
  expect(parseTrustProxy("false")).toBe(false);
  expect(parseTrustProxy("loopback, 10.0.0.0/8,fd00::/8")).toEqual(["loopback", "10.0.0.0/8", "fd00::/8"]);
  expect(parseTrustProxy("banana")).toMatch(/TRUST_PROXY/);
  expect(parseTrustProxy("10.0.0.0/99")).toMatch(/not true, false, a hop count/);
});

it("one customer's failed guesses limit that customer only; others behind the same ingress keep installing", async () => {
  for (let i = 0; i < 3; i++)
    expect(code(await viaProxy("127.0.0.2", REDEEM, { input: { installCode: "ABCD-EFGH-JKMN-PQRS-TVWX", applianceId: "guess" } }))).toBe(
      "INVALID_INSTALL_CODE",
    );
  expect(code(await viaProxy("127.0.0.2", REDEEM, { input: { installCode: "ABCD-EFGH-JKMN-PQRS-TVWX", applianceId: "guess" } }))).toBe("RATE_LIMITED");
  const reg = (await t.gql(REGISTER, { input: { companyName: "Behind Ingress", contactEmail: "ingress@x.test", edition: "PRO" } }, { token: t.keys.store }))
    .data.registerTenant;
  const other = await viaProxy("127.0.0.3", REDEEM, { input: { installCode: reg.installCode, applianceId: "box" } });
  expect(other.errors).toBeUndefined();
  expect(other.data.redeemInstallCode.tenantId).toBe(reg.tenantId);
  const rows = await t.plane.services.prisma.rateLimitWindow.findMany({ where: { count: { gt: 0 } } });
  expect(rows.map((r) => r.key)).toEqual(["redeem:127.0.0.2"]);
});

it("a client cannot escape its limit by forging X-Forwarded-For: only the proxy's hop is trusted", async () => {
  for (const forged of ["192.0.2.1", "192.0.2.2", "192.0.2.3"]) {
    expect(code(await viaProxy("127.0.0.4", REDEEM, { input: { installCode: "ABCD-EFGH-JKMN-PQRS-TVWX", applianceId: "x" } }, forged))).toBe(
      "INVALID_INSTALL_CODE",
    );
  }
  expect(code(await viaProxy("127.0.0.4", REDEEM, { input: { installCode: "ABCD-EFGH-JKMN-PQRS-TVWX", applianceId: "x" } }, "192.0.2.99"))).toBe(
    "RATE_LIMITED",
  );
});
