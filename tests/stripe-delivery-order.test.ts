// Issue 19: Stripe's delivery order never licenses a cancelled subscription. Signed deliveries over
// HTTP to two API processes (compiled JavaScript) on one database, each event to another process the
// way a load balancer spreads Stripe's retries: a deletion delivered before its checkout is remembered
// (a tombstone), a deletion and an update of the same second end cancelled, and a deletion racing its
// checkout on the other process never leaves a live entitlement.
import { randomUUID } from "node:crypto";
import { startReplicas, type Replicas } from "./helpers/api-processes.js";
import { CHECK_IN, codeOf, gqlRequest, REDEEM, REGISTER } from "./helpers/control-plane.js";
import { checkoutSession, deliver, invoice, PRICES, STRIPE_ENV, stripeEvent, subscription } from "./helpers/stripe.js";

let r: Replicas;
beforeAll(async () => {
  r = await startReplicas(2, STRIPE_ENV);
}, 120_000);
afterAll(() => r?.stop(), 60_000);

const DAY = 86_400_000;
const api = (i: number) => r.apis[i % r.apis.length]!.url;
const uid = () => randomUUID().replace(/-/g, "").slice(0, 12);
let seq = 0;
const address = () => `198.51.100.${(seq++ % 250) + 1}`;
/** Stripe's clock: whole seconds, a little in the past so every event is "before now" */
const second = (offsetSeconds = 0) => new Date((Math.floor(Date.now() / 1000) - 120 + offsetSeconds) * 1000);

async function register(edition: "ESSENTIALS" | "PRO" = "ESSENTIALS") {
  const res = await gqlRequest<any>(
    api(0),
    REGISTER,
    { input: { companyName: `Order ${uid()}`, contactEmail: `order-${uid()}@x.test`, edition } },
    { token: r.keys.store },
  );
  expect(res.errors).toBeUndefined();
  return res.data.registerTenant as { tenantId: string; installCode: string };
}

interface Row {
  id: string;
  edition: string;
  status: string;
  sub: string | null;
  validUntil: Date | null;
}
const entitlements = (tenantId: string) =>
  r.query<Row>(
    `SELECT id, edition, status, stripe_subscription_id AS "sub", valid_until AS "validUntil" FROM entitlement WHERE tenant_id = $1 ORDER BY created_at`,
    [tenantId],
  );
const editionOf = async (tenantId: string) =>
  (await r.query<{ edition: string }>(`SELECT edition FROM tenant_registry WHERE tenant_id = $1`, [tenantId]))[0]!.edition;
const history = async (tenantId: string) =>
  await r.query<{ action: string; details: Record<string, unknown> }>(
    `SELECT action, details FROM audit_event WHERE tenant_id = $1 AND action LIKE 'entitlement.%' ORDER BY seq`,
    [tenantId],
  );
const live = (rows: Row[]) => rows.filter((e) => e.status === "ACTIVE" || e.status === "PAST_DUE");

/** what the tenant's appliances get: a fresh ESSENTIALS install redeems without a paid license */
async function redeemed(installCode: string) {
  const res = await gqlRequest<any>(api(1), REDEEM, { input: { installCode, applianceId: `box-${uid()}` } }, { clientAddress: address() });
  expect(res.errors).toBeUndefined();
  return res.data.redeemInstallCode as { edition: string; applianceCredential: string | null };
}

describe("a deletion delivered before the events that would license its subscription", () => {
  it("deleted → checkout → the older .created, each on another process: the tenant stays ESSENTIALS", async () => {
    const reg = await register();
    const ids = { tenantId: reg.tenantId, customer: `cus_${uid()}`, subscription: `sub_${uid()}` };
    const started = second(0);
    const ended = second(60);
    const state = (status: string) =>
      subscription({
        id: ids.subscription,
        customer: ids.customer,
        status,
        price: PRICES.pro,
        periodEnd: new Date(started.getTime() + 30 * DAY),
        tenantId: reg.tenantId,
        canceledAt: status === "canceled" ? ended : undefined,
      });
    const deletion = stripeEvent("customer.subscription.deleted", state("canceled"), ended);
    const deleted = await deliver(api(0), deletion);
    const checkout = await deliver(api(1), stripeEvent("checkout.session.completed", checkoutSession({ ...ids, edition: "PRO" }), started));
    const created = await deliver(api(0), stripeEvent("customer.subscription.created", state("active"), started));
    expect([deleted.status, checkout.status, created.status]).toEqual([200, 200, 200]);

    const rows = await entitlements(reg.tenantId);
    expect(live(rows)).toEqual([]);
    expect(await editionOf(reg.tenantId)).toBe("ESSENTIALS");
    expect(await redeemed(reg.installCode)).toMatchObject({ edition: "ESSENTIALS", applianceCredential: null });
    // the subscription is in the registry, cancelled as of its deletion, as if Stripe had delivered in order
    expect(rows).toEqual([expect.objectContaining({ edition: "PRO", status: "CANCELLED", sub: ids.subscription })]);
    expect([deleted.body.outcome, checkout.body.outcome, created.body.outcome]).toEqual(["applied", "applied", "stale"]);
    const h = await history(reg.tenantId);
    expect(h.map((e) => e.action)).toEqual(["entitlement.subscription_ended", "entitlement.cancelled"]);
    expect(h[0]!.details).toMatchObject({ source: "stripe", stripeEventId: deletion.id, subscriptionId: ids.subscription, endedAt: ended.toISOString() });
    expect(h[1]!.details).toMatchObject({ stripeEventType: "checkout.session.completed", status: "CANCELLED", subscriptionEndedAt: ended.toISOString() });
  }, 60_000);

  it("a deletion that names no known tenant is remembered too: the checkout that follows licenses nothing", async () => {
    const reg = await register();
    const ids = { tenantId: reg.tenantId, customer: `cus_${uid()}`, subscription: `sub_${uid()}` };
    const ended = second(30);
    // no metadata, a customer the registry has not seen: Stripe's event cannot be mapped to a tenant yet
    const orphan = subscription({
      id: ids.subscription,
      customer: ids.customer,
      status: "canceled",
      price: PRICES.premium,
      periodEnd: new Date(ended.getTime() + 30 * DAY),
      canceledAt: ended,
    });
    const deleted = await deliver(api(1), stripeEvent("customer.subscription.deleted", orphan, ended));
    const checkout = await deliver(api(0), stripeEvent("checkout.session.completed", checkoutSession({ ...ids, edition: "PREMIUM" }), second(0)));
    const paid = await deliver(
      api(1),
      stripeEvent(
        "invoice.paid",
        invoice({ subscription: ids.subscription, customer: ids.customer, price: PRICES.premium, periodEnd: new Date(ended.getTime() + 30 * DAY) }),
        second(1),
      ),
    );
    expect(live(await entitlements(reg.tenantId))).toEqual([]);
    expect(await editionOf(reg.tenantId)).toBe("ESSENTIALS");
    expect([deleted.body.outcome, checkout.body.outcome, paid.body.outcome]).toEqual(["unmatched", "applied", "stale"]);
    const [audit] = await r.query<{ tenantId: string | null }>(
      `SELECT tenant_id AS "tenantId" FROM audit_event WHERE action = 'entitlement.subscription_ended' AND details->>'subscriptionId' = $1`,
      [ids.subscription],
    );
    expect(audit).toEqual({ tenantId: null });
  }, 60_000);

  it("a paid registration waiting for its checkout: the deleted subscription attaches to it cancelled; check-in answers ENTITLEMENT_LAPSED", async () => {
    const reg = await register("PRO");
    const applianceId = `box-${uid()}`;
    const red = await gqlRequest<any>(api(0), REDEEM, { input: { installCode: reg.installCode, applianceId } }, { clientAddress: address() });
    const credential = red.data.redeemInstallCode.applianceCredential as string;
    expect(credential).toBeTruthy();
    const [registration] = await entitlements(reg.tenantId);
    const ids = { tenantId: reg.tenantId, customer: `cus_${uid()}`, subscription: `sub_${uid()}` };
    const ended = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000); // after the registration
    const deleted = stripeEvent(
      "customer.subscription.deleted",
      subscription({
        id: ids.subscription,
        customer: ids.customer,
        status: "canceled",
        price: PRICES.pro,
        periodEnd: new Date(ended.getTime() + 30 * DAY),
        tenantId: reg.tenantId,
        canceledAt: ended,
      }),
      ended,
    );
    expect((await deliver(api(1), deleted)).status).toBe(200);
    expect((await deliver(api(0), stripeEvent("checkout.session.completed", checkoutSession(ids), second(0)))).status).toBe(200);

    const rows = await entitlements(reg.tenantId);
    expect(rows).toEqual([expect.objectContaining({ id: registration!.id, status: "CANCELLED", sub: ids.subscription })]);
    const checkIn = await gqlRequest<any>(api(1), CHECK_IN, { input: { applianceId } }, { token: credential });
    expect(codeOf(checkIn)).toBe("ENTITLEMENT_LAPSED");
    expect(checkIn.errors![0]!.extensions).toMatchObject({ reason: "CANCELLED", edition: "ESSENTIALS" });
  }, 60_000);
});

describe("a subscription Stripe already ended, named by a registration or an admin grant", () => {
  // no event will ever end such an entitlement again: attached live, it would license forever
  it("is refused with BAD_USER_INPUT (SUBSCRIPTION_ENDED) and nothing is written", async () => {
    const ids = { customer: `cus_${uid()}`, subscription: `sub_${uid()}` };
    const ended = second(10);
    const deletion = stripeEvent(
      "customer.subscription.deleted",
      subscription({
        id: ids.subscription,
        customer: ids.customer,
        status: "canceled",
        price: PRICES.pro,
        periodEnd: new Date(ended.getTime() + 30 * DAY),
        canceledAt: ended,
      }),
      ended,
    );
    expect((await deliver(api(0), deletion)).body.outcome).toBe("unmatched");
    const tenantsBefore = await r.query<{ n: string }>(`SELECT count(*) AS n FROM tenant_registry`);

    const registration = await gqlRequest<any>(
      api(1),
      REGISTER,
      { input: { companyName: `Ended ${uid()}`, contactEmail: `ended-${uid()}@x.test`, edition: "PRO", stripeSubscriptionId: ids.subscription } },
      { token: r.keys.store },
    );
    expect(codeOf(registration)).toBe("BAD_USER_INPUT");
    expect(registration.errors![0]!.extensions).toMatchObject({ field: "stripeSubscriptionId", reason: "SUBSCRIPTION_ENDED", stripeEventId: deletion.id });
    expect(registration.errors![0]!.message).toContain(ended.toISOString());
    expect(await r.query<{ n: string }>(`SELECT count(*) AS n FROM tenant_registry`)).toEqual(tenantsBefore);

    const reg = await register();
    const grant = await gqlRequest<any>(
      api(0),
      `mutation Grant($input: GrantEntitlementInput!) { grantEntitlement(input: $input) { entitlement { id status } } }`,
      { input: { tenantId: reg.tenantId, edition: "PRO", stripeSubscriptionId: ids.subscription } },
      { token: r.keys.admin },
    );
    expect(codeOf(grant)).toBe("BAD_USER_INPUT");
    expect(grant.errors![0]!.extensions).toMatchObject({ field: "stripeSubscriptionId", reason: "SUBSCRIPTION_ENDED" });
    expect(await entitlements(reg.tenantId)).toEqual([]);
    expect(await history(reg.tenantId)).toEqual([]);

    // another subscription is granted as before
    const other = await gqlRequest<any>(
      api(1),
      `mutation Grant($input: GrantEntitlementInput!) { grantEntitlement(input: $input) { entitlement { status } } }`,
      { input: { tenantId: reg.tenantId, edition: "PRO", stripeSubscriptionId: `sub_${uid()}` } },
      { token: r.keys.admin },
    );
    expect(other.errors).toBeUndefined();
    expect(other.data.grantEntitlement.entitlement.status).toBe("ACTIVE");
  }, 60_000);
});

describe("on equal timestamps a terminal state wins", () => {
  it.each([
    ["deleted first", ["deleted", "updated"]],
    ["updated first", ["updated", "deleted"]],
  ])(
    "deleted and updated(active) of the same second, %s, each on another process: CANCELLED",
    async (_, order) => {
      const reg = await register();
      const ids = { tenantId: reg.tenantId, customer: `cus_${uid()}`, subscription: `sub_${uid()}` };
      const begun = second(0);
      const state = (status: string, at?: Date) =>
        subscription({
          id: ids.subscription,
          customer: ids.customer,
          status,
          price: PRICES.pro,
          periodEnd: new Date(begun.getTime() + 30 * DAY),
          tenantId: reg.tenantId,
          canceledAt: at,
        });
      expect((await deliver(api(0), stripeEvent("checkout.session.completed", checkoutSession({ ...ids, edition: "PRO" }), begun))).body.outcome).toBe(
        "applied",
      );
      expect((await deliver(api(1), stripeEvent("customer.subscription.created", state("active"), begun))).body.outcome).toBe("applied");
      const tie = second(5);
      const events = {
        deleted: stripeEvent("customer.subscription.deleted", state("canceled", tie), tie),
        updated: stripeEvent("customer.subscription.updated", state("active"), tie),
      };
      for (const [i, name] of order.entries()) expect((await deliver(api(i), events[name as keyof typeof events])).status).toBe(200);
      expect(await entitlements(reg.tenantId)).toEqual([expect.objectContaining({ status: "CANCELLED", sub: ids.subscription })]);
      expect(await editionOf(reg.tenantId)).toBe("ESSENTIALS");
    },
    60_000,
  );
});

describe("a deletion racing its checkout on the other process", () => {
  it("never leaves a live entitlement (10 subscriptions at once, 4 rounds, with and without the tenant in the deletion)", async () => {
    for (let round = 0; round < 4; round++) {
      const tenants = await Promise.all(Array.from({ length: 10 }, () => register()));
      await Promise.all(
        tenants.map(async (reg, i) => {
          const ids = { tenantId: reg.tenantId, customer: `cus_${uid()}`, subscription: `sub_${uid()}` };
          const ended = second(10);
          const sub = subscription({
            id: ids.subscription,
            customer: ids.customer,
            status: "canceled",
            price: PRICES.pro,
            periodEnd: new Date(ended.getTime() + 30 * DAY),
            tenantId: i % 2 ? reg.tenantId : undefined,
            canceledAt: ended,
          });
          const [deleted, checkout] = await Promise.all([
            deliver(api(i + round), stripeEvent("customer.subscription.deleted", sub, ended)),
            deliver(api(i + round + 1), stripeEvent("checkout.session.completed", checkoutSession({ ...ids, edition: "PRO" }), second(0))),
          ]);
          expect([deleted.status, checkout.status]).toEqual([200, 200]);
        }),
      );
      for (const reg of tenants) {
        expect({ tenant: reg.tenantId, live: live(await entitlements(reg.tenantId)) }).toEqual({ tenant: reg.tenantId, live: [] });
        expect(await editionOf(reg.tenantId)).toBe("ESSENTIALS");
      }
    }
  }, 120_000);

  it("the same deletion delivered to both processes at once takes effect once", async () => {
    const reg = await register();
    const sub = `sub_${uid()}`;
    const ended = second(0);
    const e = stripeEvent(
      "customer.subscription.deleted",
      subscription({
        id: sub,
        customer: `cus_${uid()}`,
        status: "canceled",
        price: PRICES.pro,
        periodEnd: new Date(ended.getTime() + 30 * DAY),
        tenantId: reg.tenantId,
        canceledAt: ended,
      }),
      ended,
    );
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => deliver(api(i), e)));
    expect(results.map((x) => x.body.outcome).sort()).toEqual(["applied", "duplicate", "duplicate", "duplicate", "duplicate", "duplicate"]);
    expect((await history(reg.tenantId)).map((h) => h.action)).toEqual(["entitlement.subscription_ended"]);
    expect(await r.query(`SELECT subscription_id FROM stripe_subscription_tombstone WHERE subscription_id = $1`, [sub])).toHaveLength(1);
  }, 60_000);
});
