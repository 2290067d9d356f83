// Issue 19: with STRIPE_API_KEY, a Stripe event whose order the timestamps cannot settle (older than the
// last applied snapshot, or of the same second, and changing the entitlement) is reconciled with the
// subscription's current state, read from Stripe's API (GET /v1/subscriptions/{id}) with the official
// package pointed at a local peer (STRIPE_API_URL). Signed deliveries over HTTP to the real API and
// database; the same-second race across two API processes. When Stripe cannot be asked, the event
// answers 503 STRIPE_UNAVAILABLE with nothing written, and Stripe's retry reconciles it.
import { randomUUID } from "node:crypto";
import { ConfigError, loadConfig } from "../api/src/config.js";
import { startReplicas, type Replicas } from "./helpers/api-processes.js";
import { gqlRequest, REGISTER, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { checkoutSession, deliver, PRICES, STRIPE_ENV, stripeEvent, subscription, type SubscriptionShape } from "./helpers/stripe.js";
import { startStripeApiPeer, type StripeApiPeer } from "./helpers/stripe-api-peer.js";

const DAY = 86_400_000;
const API_KEY = "sk_test_reconcile_0123456789";
const RECONCILING = (peer: StripeApiPeer) => ({ ...STRIPE_ENV, STRIPE_API_KEY: API_KEY, STRIPE_API_URL: peer.url, STRIPE_API_TIMEOUT_MS: "1000" });
const uid = () => randomUUID().replace(/-/g, "").slice(0, 12);

describe("reconciliation against a local Stripe API peer", () => {
  const now = new Date("2031-05-01T00:00:00Z");
  let peer: StripeApiPeer;
  let t: TestPlane;
  beforeAll(async () => {
    peer = await startStripeApiPeer();
    t = await startTestPlane(RECONCILING(peer), { clock: () => now });
  });
  afterAll(async () => {
    await t?.stop();
    await peer?.stop();
  });
  beforeEach(() => {
    peer.fault = null;
    peer.requests.length = 0;
  });

  const prisma = () => t.plane.services.prisma;
  const at = (days: number) => new Date(now.getTime() + days * DAY);
  const entitlement = async (tenantId: string) => (await prisma().entitlement.findMany({ where: { tenantId } }))[0]!;
  const history = (tenantId: string) => prisma().auditEvent.findMany({ where: { tenantId, action: { startsWith: "entitlement." } }, orderBy: { seq: "asc" } });

  /** A tenant subscribed at `now`: PRO, one seat, its first period 30 days. */
  async function subscribed() {
    const reg = (
      await t.gql(REGISTER, { input: { companyName: `Rec ${uid()}`, contactEmail: `rec-${uid()}@x.test`, edition: "ESSENTIALS" } }, { token: t.keys.store })
    ).data.registerTenant;
    const ids = { tenantId: reg.tenantId as string, customer: `cus_${uid()}`, subscription: `sub_${uid()}` };
    const state = (s: Partial<SubscriptionShape> & { status: string }) =>
      subscription({ id: ids.subscription, customer: ids.customer, price: PRICES.pro, periodEnd: at(30), tenantId: ids.tenantId, ...s });
    expect((await deliver(t.url, stripeEvent("checkout.session.completed", checkoutSession({ ...ids, edition: "PRO" }), now))).body.outcome).toBe("applied");
    expect((await deliver(t.url, stripeEvent("customer.subscription.created", state({ status: "active" }), now))).body.outcome).toBe("applied");
    return { ...ids, state };
  }

  it("an event in order never asks Stripe", async () => {
    const s = await subscribed();
    expect((await deliver(t.url, stripeEvent("customer.subscription.updated", s.state({ status: "active", quantity: 4 }), at(1)))).body.outcome).toBe(
      "applied",
    );
    expect((await entitlement(s.tenantId)).seats).toBe(4);
    expect(peer.requests).toEqual([]);
  });

  it("a stale event that would change the entitlement is reconciled to Stripe's current state (one GET, the key as Bearer)", async () => {
    const s = await subscribed();
    expect(
      (await deliver(t.url, stripeEvent("customer.subscription.updated", s.state({ status: "active", price: PRICES.premium, quantity: 2 }), at(2)))).body
        .outcome,
    ).toBe("applied");
    // Stripe moved on since (a change whose own event is still on its way)
    peer.subscriptions.set(s.subscription, s.state({ status: "active", price: PRICES.premium, quantity: 7 }));
    const stale = stripeEvent("customer.subscription.updated", s.state({ status: "active", quantity: 5 }), at(1));
    expect((await deliver(t.url, stale)).body.outcome).toBe("applied");
    expect(await entitlement(s.tenantId)).toMatchObject({ edition: "PREMIUM", seats: 7, status: "ACTIVE" });
    expect(peer.requests).toEqual([
      { method: "GET", path: `/v1/subscriptions/${s.subscription}`, authorization: `Bearer ${API_KEY}`, stripeVersion: expect.any(String) },
    ]);
    const last = (await history(s.tenantId)).at(-1)!;
    expect(last).toMatchObject({
      action: "entitlement.seats_changed",
      principalId: "stripe",
      details: { stripeEventId: stale.id, changes: { seats: { from: 2, to: 7 } }, reconciledFromStripe: { stripeStatus: "active" } },
    });
    expect(await prisma().stripeEvent.findUnique({ where: { id: stale.id } })).toMatchObject({ outcome: "applied", tenantId: s.tenantId });
    // an older event that would change nothing is simply stale: Stripe is not asked
    peer.requests.length = 0;
    expect(
      (await deliver(t.url, stripeEvent("customer.subscription.updated", s.state({ status: "active", price: PRICES.premium, quantity: 7 }), at(1)))).body
        .outcome,
    ).toBe("stale");
    expect(peer.requests).toEqual([]);
  });

  it.each([
    ["active first", ["active", "past_due"]],
    ["past_due first", ["past_due", "active"]],
  ])("two snapshots of the same second, %s: Stripe says which holds, in either order", async (_, statuses) => {
    const s = await subscribed();
    peer.subscriptions.set(s.subscription, s.state({ status: "active" }));
    for (const status of statuses) expect((await deliver(t.url, stripeEvent("customer.subscription.updated", s.state({ status }), at(3)))).status).toBe(200);
    expect(await entitlement(s.tenantId)).toMatchObject({ status: "ACTIVE", pastDueSince: null });
    expect(peer.requests).toHaveLength(1);
  });

  it("a deletion is final: a later update never asks Stripe and never revives it", async () => {
    const s = await subscribed();
    peer.subscriptions.set(s.subscription, s.state({ status: "active" })); // what a confused peer would say
    expect((await deliver(t.url, stripeEvent("customer.subscription.deleted", s.state({ status: "canceled", canceledAt: at(1) }), at(1)))).body.outcome).toBe(
      "applied",
    );
    expect((await deliver(t.url, stripeEvent("customer.subscription.updated", s.state({ status: "active" }), at(1)))).body.outcome).toBe("stale");
    expect((await deliver(t.url, stripeEvent("customer.subscription.updated", s.state({ status: "active" }), at(2)))).body.outcome).toBe("stale");
    expect(await entitlement(s.tenantId)).toMatchObject({ status: "CANCELLED" });
    expect(peer.requests).toEqual([]);
  });

  it("Stripe saying canceled ends the entitlement and leaves a tombstone", async () => {
    const s = await subscribed();
    expect((await deliver(t.url, stripeEvent("customer.subscription.updated", s.state({ status: "active", quantity: 3 }), at(2)))).body.outcome).toBe(
      "applied",
    );
    peer.subscriptions.set(s.subscription, s.state({ status: "canceled", canceledAt: at(2) }));
    expect((await deliver(t.url, stripeEvent("customer.subscription.updated", s.state({ status: "past_due", quantity: 3 }), at(1)))).body.outcome).toBe(
      "applied",
    );
    expect(await entitlement(s.tenantId)).toMatchObject({ status: "CANCELLED" });
    expect((await history(s.tenantId)).at(-1)).toMatchObject({ action: "entitlement.cancelled" });
    expect(await prisma().stripeSubscriptionTombstone.findUnique({ where: { subscriptionId: s.subscription } })).not.toBeNull();
  });

  it.each([
    ["down (connection refused)", "down"],
    ["answering 500", "server-error"],
    ["answering something that is not JSON", "garbage"],
    ["answering another subscription", "another-subscription"],
    ["never answering (STRIPE_API_TIMEOUT_MS)", "hang"],
  ] as const)(
    "Stripe %s: 503 STRIPE_UNAVAILABLE, nothing written; Stripe's retry, once it answers, is reconciled",
    async (_, fault) => {
      const s = await subscribed();
      expect((await deliver(t.url, stripeEvent("customer.subscription.updated", s.state({ status: "active", quantity: 2 }), at(2)))).body.outcome).toBe(
        "applied",
      );
      peer.subscriptions.set(s.subscription, s.state({ status: "active", quantity: 9 }));
      const before = { entitlement: await entitlement(s.tenantId), history: (await history(s.tenantId)).length };
      const conflicting = stripeEvent("customer.subscription.updated", s.state({ status: "active", quantity: 5 }), at(1));
      if (fault === "down") await peer.down();
      else peer.fault = fault;
      const logged = t.logs.length;
      const started = Date.now();
      const res = await deliver(t.url, conflicting);
      expect(Date.now() - started).toBeLessThan(5000);
      expect([res.status, res.body.error?.code]).toEqual([503, "STRIPE_UNAVAILABLE"]);
      expect(res.body.error.message).toMatch(/safe to retry/);
      expect(await prisma().stripeEvent.findUnique({ where: { id: conflicting.id } })).toBeNull();
      expect(await entitlement(s.tenantId)).toEqual(before.entitlement);
      expect(await history(s.tenantId)).toHaveLength(before.history);
      const lines = t.logs.slice(logged).join("\n");
      expect(lines).toMatch(/did not answer/);
      expect(lines).not.toContain(API_KEY);

      if (fault === "down") await peer.up();
      peer.fault = null;
      expect((await deliver(t.url, conflicting)).body.outcome).toBe("applied");
      expect(await entitlement(s.tenantId)).toMatchObject({ seats: 9 });
    },
    30_000,
  );

  it("Stripe has no such subscription (404): the event's timestamp decides (stale), 200", async () => {
    const s = await subscribed();
    expect((await deliver(t.url, stripeEvent("customer.subscription.updated", s.state({ status: "active", quantity: 2 }), at(2)))).body.outcome).toBe(
      "applied",
    );
    const res = await deliver(t.url, stripeEvent("customer.subscription.updated", s.state({ status: "active", quantity: 5 }), at(1)));
    expect([res.status, res.body.outcome]).toEqual([200, "stale"]);
    expect(await entitlement(s.tenantId)).toMatchObject({ seats: 2 });
    expect(peer.requests).toHaveLength(1);
  });

  it("exactly once: the same conflicting event delivered six times at once takes effect once", async () => {
    const s = await subscribed();
    expect((await deliver(t.url, stripeEvent("customer.subscription.updated", s.state({ status: "active", quantity: 2 }), at(2)))).body.outcome).toBe(
      "applied",
    );
    peer.subscriptions.set(s.subscription, s.state({ status: "active", quantity: 6 }));
    const e = stripeEvent("customer.subscription.updated", s.state({ status: "active", quantity: 5 }), at(1));
    const results = await Promise.all(Array.from({ length: 6 }, () => deliver(t.url, e)));
    expect(results.map((r) => r.body.outcome).sort()).toEqual(["applied", "duplicate", "duplicate", "duplicate", "duplicate", "duplicate"]);
    expect((await history(s.tenantId)).filter((h) => (h.details as { stripeEventId?: string }).stripeEventId === e.id)).toHaveLength(1);
    expect(await entitlement(s.tenantId)).toMatchObject({ seats: 6 });
  }, 30_000);
});

describe("the same-second conflict across two API processes", () => {
  let peer: StripeApiPeer;
  let r: Replicas;
  beforeAll(async () => {
    peer = await startStripeApiPeer();
    r = await startReplicas(2, RECONCILING(peer));
  }, 120_000);
  afterAll(async () => {
    await r?.stop();
    await peer?.stop();
  }, 60_000);

  it("active and past_due of one second delivered at once to either process end as Stripe says (6 subscriptions, 2 rounds)", async () => {
    const second = (offset: number) => new Date((Math.floor(Date.now() / 1000) - 600 + offset) * 1000);
    for (let round = 0; round < 2; round++) {
      const cases = await Promise.all(
        Array.from({ length: 6 }, async (_, i) => {
          const reg = (
            await gqlRequest<any>(
              r.apis[0]!.url,
              REGISTER,
              { input: { companyName: `Rep ${uid()}`, contactEmail: `rep-${uid()}@x.test`, edition: "ESSENTIALS" } },
              { token: r.keys.store },
            )
          ).data.registerTenant;
          const ids = { tenantId: reg.tenantId as string, customer: `cus_${uid()}`, subscription: `sub_${uid()}` };
          const state = (status: string) =>
            subscription({
              id: ids.subscription,
              customer: ids.customer,
              status,
              price: PRICES.pro,
              periodEnd: new Date(Date.now() + 30 * DAY),
              tenantId: ids.tenantId,
            });
          expect((await deliver(r.apis[i % 2]!.url, stripeEvent("customer.subscription.created", state("active"), second(0)))).body.outcome).toBe("applied");
          const truth = i % 2 ? "past_due" : "active";
          peer.subscriptions.set(ids.subscription, state(truth));
          const results = await Promise.all([
            deliver(r.apis[0]!.url, stripeEvent("customer.subscription.updated", state("past_due"), second(30))),
            deliver(r.apis[1]!.url, stripeEvent("customer.subscription.updated", state("active"), second(30))),
          ]);
          expect(results.map((x) => x.status)).toEqual([200, 200]);
          return { tenantId: ids.tenantId, expected: truth === "active" ? "ACTIVE" : "PAST_DUE" };
        }),
      );
      for (const c of cases) {
        const [row] = await r.query<{ status: string }>(`SELECT status FROM entitlement WHERE tenant_id = $1`, [c.tenantId]);
        expect({ tenant: c.tenantId, status: row!.status }).toEqual({ tenant: c.tenantId, status: c.expected });
      }
    }
  }, 120_000);
});

describe("the settings", () => {
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };

  it("default to Stripe's API, no reconciliation without STRIPE_API_KEY, 5 s timeout", () => {
    expect(loadConfig({}).stripe.api).toBeUndefined();
    expect(loadConfig({ STRIPE_API_KEY: "rk_live_abc123" }).stripe.api).toEqual({
      apiKey: "rk_live_abc123",
      apiUrl: "https://api.stripe.com",
      timeoutMs: 5000,
    });
    expect(loadConfig({ STRIPE_API_KEY: "sk_test_x", STRIPE_API_URL: "http://127.0.0.1:12111/" }).stripe.api).toMatchObject({
      apiUrl: "http://127.0.0.1:12111",
    });
  });

  it("refuse a key that is not a Stripe secret or restricted key (without echoing it), a URL with a path, a timeout out of range", () => {
    const bad = problems({ STRIPE_API_KEY: "pk_live_publishable_oops" });
    expect(bad).toEqual([expect.stringMatching(/^STRIPE_API_KEY: is not a Stripe secret or restricted key/)]);
    expect(bad.join()).not.toContain("publishable_oops");
    expect(problems({ STRIPE_API_URL: "https://api.stripe.com/v1" })).toEqual([
      expect.stringMatching(/^STRIPE_API_URL: must be an origin only .* e\.g\. STRIPE_API_URL=https:\/\/api\.stripe\.com/),
    ]);
    expect(problems({ STRIPE_API_URL: "ftp://stripe" })).toEqual([expect.stringMatching(/^STRIPE_API_URL: .* must start with http:\/\/ or https:\/\//)]);
    expect(problems({ STRIPE_API_TIMEOUT_MS: "10" })).toEqual([
      expect.stringMatching(/^STRIPE_API_TIMEOUT_MS: "10" is not a whole number between 100 and 60000/),
    ]);
  });
});
