// A database that refuses connections (ALLOW_CONNECTIONS false, as while it is restored or moved; or a
// rotated password) is an outage like a stopped server: every entry point answers the retryable
// SERVICE_UNAVAILABLE with 503, Retry-After and a request id — the appliance's anonymous calls and the
// Stripe webhook included — and the service recovers alone when connections are allowed again.
import { adminQuery } from "./helpers/postgres.js";
import { CHECK_IN, REDEEM, REGISTER, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { deliver, STRIPE_ENV, stripeEvent } from "./helpers/stripe.js";

let t: TestPlane;
let name: string;
const allow = (yes: boolean) => adminQuery(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS ${yes}`);

beforeAll(async () => {
  t = await startTestPlane(STRIPE_ENV);
  name = new URL(t.databaseUrl).pathname.slice(1);
});
afterAll(async () => {
  await allow(true);
  await t.stop();
});

it("refused connections answer SERVICE_UNAVAILABLE everywhere, then the service recovers alone", async () => {
  const reg = (await t.gql(REGISTER, { input: { companyName: "Outage", contactEmail: "outage@x.test", edition: "PRO" } }, { token: t.keys.store })).data
    .registerTenant;

  await allow(false);
  await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`);
  try {
    const calls = {
      redeemInstallCode: () => t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId: "outage-box" } }),
      installCodeStatus: () => t.gql(`query($c: String!) { installCodeStatus(installCode: $c) { state } }`, { c: reg.installCode }),
      checkIn: () => t.gql(CHECK_IN, { input: { applianceId: "outage-box" } }, { token: "alc_never_issued_but_well_formed_0123456789abcdef" }),
      tenants: () => t.gql(`{ tenants(first: 1) { totalCount } }`, {}, { token: t.keys.support }),
    };
    for (const [what, call] of Object.entries(calls)) {
      const res = await call();
      expect({ what, status: res.status, code: res.errors?.[0]?.extensions?.code }).toEqual({ what, status: 503, code: "SERVICE_UNAVAILABLE" });
      expect(res.errors?.[0]?.extensions?.requestId).toEqual(expect.any(String));
    }
    const hook = await deliver(t.url, stripeEvent("invoice.paid", { id: "in_outage", customer: "cus_outage", subscription: "sub_outage" }, new Date()));
    expect(hook.status).toBe(503);
  } finally {
    await allow(true);
  }

  // no restart needed: the pool reconnects on the next request
  const redeemed = await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId: "outage-box" } });
  expect(redeemed.errors).toBeUndefined();
  expect(redeemed.data.redeemInstallCode.tenantId).toBe(reg.tenantId);
}, 60_000);
