// POST /webhooks/stripe against the real API and database, with events signed by the official stripe
// package's test-header helper: each event type, duplicates (sequential and racing), out-of-order
// delivery, bad signatures, unknown tenants, unknown types, and an unconfigured secret.
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { REDEEM, REGISTER, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { checkoutSession, deliver, invoice, PRICES, STRIPE_ENV, stripeEvent, subscription, WEBHOOK_SECRET } from "./helpers/stripe.js";

const DAY = 86_400_000;
let now = new Date("2030-01-01T00:00:00Z");
let t: TestPlane;
beforeAll(async () => {
  t = await startTestPlane(STRIPE_ENV, { clock: () => now });
});
afterAll(() => t.stop());

const prisma = () => t.plane.services.prisma;
const uid = () => randomUUID().replace(/-/g, "").slice(0, 12);
const at = (days: number) => new Date(now.getTime() + days * DAY);

async function register(edition: "ESSENTIALS" | "PRO" = "ESSENTIALS") {
  const r = await t.gql(REGISTER, { input: { companyName: `Hook ${uid()}`, contactEmail: `hook-${uid()}@shop.test`, edition } }, { token: t.keys.store });
  return r.data.registerTenant as { tenantId: string; installCode: string };
}
const entitlements = (tenantId: string) => prisma().entitlement.findMany({ where: { tenantId }, orderBy: { createdAt: "asc" } });
const tenant = (tenantId: string) => prisma().tenantRegistry.findUniqueOrThrow({ where: { id: tenantId } });
const history = (tenantId: string) =>
  prisma().auditEvent.findMany({ where: { tenantId, action: { startsWith: "entitlement." } }, orderBy: { createdAt: "asc" } });

/** A tenant subscribed through Checkout: checkout.session.completed + customer.subscription.created. */
async function subscribed(o: { price?: string; quantity?: number; edition?: string } = {}) {
  const reg = await register();
  const ids = { tenantId: reg.tenantId, customer: `cus_${uid()}`, subscription: `sub_${uid()}` };
  expect((await deliver(t.url, stripeEvent("checkout.session.completed", checkoutSession({ ...ids, edition: o.edition ?? "PRO" }), now))).body.outcome).toBe(
    "applied",
  );
  const created = stripeEvent(
    "customer.subscription.created",
    subscription({ id: ids.subscription, customer: ids.customer, status: "active", price: o.price ?? PRICES.pro, quantity: o.quantity, periodEnd: at(30) }),
    now,
  );
  expect((await deliver(t.url, created)).body.outcome).toBe("applied");
  return { ...ids, installCode: reg.installCode };
}

describe("signatures", () => {
  it("a bad, missing or tampered signature gets 400 and writes nothing", async () => {
    const reg = await register();
    const e = stripeEvent(
      "checkout.session.completed",
      checkoutSession({ tenantId: reg.tenantId, customer: `cus_${uid()}`, subscription: `sub_${uid()}`, edition: "PRO" }),
      now,
    );
    expect((await deliver(t.url, e, { secret: "whsec_someone_else" })).status).toBe(400);
    expect((await deliver(t.url, e, { signature: null })).status).toBe(400);
    expect((await deliver(t.url, e, { signature: "t=1,v1=deadbeef" })).status).toBe(400);
    const tampered = { ...e, payload: e.payload.replace('"PRO"', '"PREMIUM"') };
    const header = (await import("stripe")).default.webhooks.generateTestHeaderString({ payload: e.payload, secret: WEBHOOK_SECRET });
    const res = await deliver(t.url, tampered, { signature: header });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("BAD_SIGNATURE");
    expect(await prisma().stripeEvent.findUnique({ where: { id: e.id } })).toBeNull();
    expect(await entitlements(reg.tenantId)).toHaveLength(0);
    expect((await tenant(reg.tenantId)).stripeCustomerId).toBeNull();
  });
});

describe("malformed but correctly signed events", () => {
  it("get 400 MALFORMED_EVENT saying what is wrong (never 500, never BAD_SIGNATURE) and write nothing", async () => {
    const reg = await register();
    const ids = { tenantId: reg.tenantId, customer: `cus_${uid()}`, subscription: `sub_${uid()}` };
    const sub = subscription({ id: ids.subscription, customer: ids.customer, status: "active", price: PRICES.pro, periodEnd: at(30), tenantId: reg.tenantId });
    const signed = (event: Record<string, unknown> | string) => ({
      id: "",
      type: "",
      created: 0,
      payload: typeof event === "string" ? event : JSON.stringify(event),
    });
    const envelope = (over: Record<string, unknown>) => ({
      id: `evt_${uid()}`,
      object: "event",
      type: "customer.subscription.updated",
      created: Math.floor(now.getTime() / 1000),
      data: { object: sub },
      ...over,
    });
    const cases: [string, Record<string, unknown> | string, RegExp][] = [
      ["data.object null", envelope({ data: { object: null } }), /data\.object/],
      ["non-numeric created", envelope({ created: "yesterday" }), /created/],
      ["created beyond any date-time", envelope({ created: 1e15 }), /created/],
      ["no id", envelope({ id: undefined }), /\bid\b/],
      ["a subscription without its id", envelope({ data: { object: { ...sub, id: undefined } } }), /data\.object\.id/],
      ["a null subscription item", envelope({ data: { object: { ...sub, items: { data: [null] } } } }), /items\.data\.0/],
      [
        "a checkout whose metadata is not text",
        envelope({
          type: "checkout.session.completed",
          data: { object: { ...checkoutSession({ ...ids, edition: "PRO" }), metadata: { tenant_id: reg.tenantId, edition: 5 } } },
        }),
        /metadata\.edition/,
      ],
      [
        "a paid period ending more than 100 years ahead",
        envelope({
          data: {
            object: subscription({
              id: ids.subscription,
              customer: ids.customer,
              tenantId: reg.tenantId,
              status: "active",
              price: PRICES.pro,
              periodEnd: at(365 * 150),
            }),
          },
        }),
        /100 years/,
      ],
      ["a body that is not JSON", "this is not { json", /not a JSON Stripe event/],
    ];
    const before = await prisma().stripeEvent.count();
    const logged = t.logs.length;
    for (const [what, event, why] of cases) {
      const res = await deliver(t.url, signed(event));
      expect({ what, status: res.status, code: res.body.error?.code }).toEqual({ what, status: 400, code: "MALFORMED_EVENT" });
      expect(res.body.error.message).toMatch(why);
      expect(res.body.error.message).toMatch(/Nothing was written/);
    }
    expect(await prisma().stripeEvent.count()).toBe(before);
    expect(await entitlements(reg.tenantId)).toHaveLength(0);
    expect((await tenant(reg.tenantId)).stripeCustomerId).toBeNull();
    expect(t.logs.slice(logged).some((l) => (JSON.parse(l) as { level: number }).level >= 50)).toBe(false);
    // the well-formed event still applies
    expect((await deliver(t.url, stripeEvent("customer.subscription.created", sub, now))).body.outcome).toBe("applied");
  });
});

describe("quantity is bounded by the seat maximum of the admin mutations", () => {
  it("beyond 100,000 seats (and beyond a 32-bit integer) is 400 MALFORMED_EVENT naming the field; nothing written", async () => {
    const s = await subscribed({ quantity: 2 });
    const before = { events: await prisma().stripeEvent.count(), history: (await history(s.tenantId)).length };
    const state = (quantity: number) =>
      subscription({ id: s.subscription, customer: s.customer, status: "active", price: PRICES.premium, quantity, periodEnd: at(30) });
    for (const quantity of [3_000_000_000, 200_000, 100_001]) {
      const res = await deliver(t.url, stripeEvent("customer.subscription.updated", state(quantity), at(1)));
      expect({ quantity, status: res.status, code: res.body.error?.code }).toEqual({ quantity, status: 400, code: "MALFORMED_EVENT" });
      expect(res.body.error.message).toMatch(/data\.object\.items\.data\.0\.quantity/);
      expect(res.body.error.message).toMatch(/100000/);
    }
    const paid = invoice({ subscription: s.subscription, customer: s.customer, price: PRICES.premium, periodEnd: at(60) });
    (paid.lines as { data: { quantity: number }[] }).data[0]!.quantity = 3_000_000_000;
    const res = await deliver(t.url, stripeEvent("invoice.paid", paid, at(1)));
    expect([res.status, res.body.error?.code]).toEqual([400, "MALFORMED_EVENT"]);
    expect(res.body.error.message).toMatch(/data\.object\.lines\.data\.0\.quantity/);
    expect(await prisma().stripeEvent.count()).toBe(before.events);
    expect(await history(s.tenantId)).toHaveLength(before.history);
    expect((await entitlements(s.tenantId))[0]).toMatchObject({ edition: "PRO", seats: 2 });
    // the maximum itself is seats
    expect((await deliver(t.url, stripeEvent("customer.subscription.updated", state(100_000), at(1)))).body.outcome).toBe("applied");
    expect((await entitlements(s.tenantId))[0]).toMatchObject({ edition: "PREMIUM", seats: 100_000 });
  });

  it("a large quantity on an item that does not license (another price beside the mapped one) is not seats and is accepted", async () => {
    const s = await subscribed();
    const sub = subscription({ id: s.subscription, customer: s.customer, status: "active", price: PRICES.pro, quantity: 3, periodEnd: at(30) });
    const items = sub.items as { data: Record<string, unknown>[] };
    items.data.unshift({
      id: "si_usage",
      object: "subscription_item",
      price: { id: PRICES.other, object: "price" },
      quantity: 5_000_000,
      current_period_end: items.data[0]!.current_period_end,
    });
    expect((await deliver(t.url, stripeEvent("customer.subscription.updated", sub, at(1)))).body.outcome).toBe("applied");
    expect((await entitlements(s.tenantId))[0]).toMatchObject({ seats: 3 });
  });
});

describe("event types", () => {
  it("checkout.session.completed: an ESSENTIALS tenant becomes PRO, bound to the customer and subscription", async () => {
    const s = await subscribed();
    const [e] = await entitlements(s.tenantId);
    expect(e).toMatchObject({ edition: "PRO", status: "ACTIVE", stripeSubscriptionId: s.subscription, stripePriceId: PRICES.pro, seats: 1 });
    expect(e!.validUntil!.getTime()).toBe(Math.floor(at(30).getTime() / 1000) * 1000);
    expect(await tenant(s.tenantId)).toMatchObject({ edition: "PRO", stripeCustomerId: s.customer });
    const h = await history(s.tenantId);
    expect(h[0]).toMatchObject({
      action: "entitlement.granted",
      principalType: "system",
      principalId: "stripe",
      details: { source: "stripe", stripeEventType: "checkout.session.completed" },
    });
    expect(await prisma().stripeEvent.count({ where: { tenantId: s.tenantId, outcome: "applied" } })).toBe(2);
  });

  it("subscription events first (tenant from subscription metadata), checkout after: one entitlement", async () => {
    const reg = await register();
    const ids = { customer: `cus_${uid()}`, subscription: `sub_${uid()}` };
    const sub = stripeEvent(
      "customer.subscription.created",
      subscription({ id: ids.subscription, customer: ids.customer, status: "active", price: PRICES.premium, periodEnd: at(30), tenantId: reg.tenantId }),
      now,
    );
    expect((await deliver(t.url, sub)).body.outcome).toBe("applied");
    expect(
      (await deliver(t.url, stripeEvent("checkout.session.completed", checkoutSession({ clientReferenceId: reg.tenantId, ...ids }), now))).body.outcome,
    ).toBe("ignored");
    const rows = await entitlements(reg.tenantId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ edition: "PREMIUM", stripeSubscriptionId: ids.subscription });
    expect((await tenant(reg.tenantId)).stripeCustomerId).toBe(ids.customer); // linked from the subscription
  });

  it("a paid registration's entitlement is attached to the subscription at checkout, not duplicated", async () => {
    const reg = await register("PRO");
    const [before] = await entitlements(reg.tenantId);
    const ids = { tenantId: reg.tenantId, customer: `cus_${uid()}`, subscription: `sub_${uid()}` };
    expect((await deliver(t.url, stripeEvent("checkout.session.completed", checkoutSession(ids), now))).body.outcome).toBe("applied");
    const rows = await entitlements(reg.tenantId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: before!.id, stripeSubscriptionId: ids.subscription, edition: "PRO" });
  });

  it("customer.subscription.updated: price → edition, quantity → seats, past_due keeps the paid period, unpaid too", async () => {
    const s = await subscribed();
    const [first] = await entitlements(s.tenantId);
    now = at(1);
    await deliver(
      t.url,
      stripeEvent(
        "customer.subscription.updated",
        subscription({ id: s.subscription, customer: s.customer, status: "active", price: PRICES.premium, quantity: 3, periodEnd: at(29) }),
        now,
      ),
    );
    expect((await entitlements(s.tenantId))[0]).toMatchObject({ edition: "PREMIUM", seats: 3, stripePriceId: PRICES.premium, validUntil: first!.validUntil });
    expect((await tenant(s.tenantId)).edition).toBe("PREMIUM");
    now = at(30);
    const pastDueAt = now;
    await deliver(
      t.url,
      stripeEvent(
        "customer.subscription.updated",
        subscription({ id: s.subscription, customer: s.customer, status: "past_due", price: PRICES.premium, quantity: 3, periodEnd: at(30) }),
        now,
      ),
    );
    const pd = (await entitlements(s.tenantId))[0]!;
    expect(pd).toMatchObject({ status: "PAST_DUE", validUntil: first!.validUntil }); // grace runs from the end of what was paid
    expect(pd.pastDueSince!.getTime()).toBe(Math.floor(pastDueAt.getTime() / 1000) * 1000);
    now = at(1);
    await deliver(
      t.url,
      stripeEvent(
        "customer.subscription.updated",
        subscription({ id: s.subscription, customer: s.customer, status: "unpaid", price: PRICES.premium, quantity: 3, periodEnd: at(29) }),
        now,
      ),
    );
    expect((await entitlements(s.tenantId))[0]).toMatchObject({ status: "PAST_DUE", pastDueSince: pd.pastDueSince });
    const actions = (await history(s.tenantId)).map((h) => h.action);
    // checkout granted it open-ended; the subscription's first event set the paid period
    expect(actions).toEqual(["entitlement.granted", "entitlement.extended", "entitlement.edition_changed", "entitlement.past_due"]);
  });

  it("invoice.paid extends validUntil and ends PAST_DUE; customer.subscription.deleted cancels", async () => {
    const s = await subscribed();
    now = at(31);
    await deliver(
      t.url,
      stripeEvent(
        "customer.subscription.updated",
        subscription({ id: s.subscription, customer: s.customer, status: "past_due", price: PRICES.pro, periodEnd: at(30) }),
        now,
      ),
    );
    now = at(1);
    const paid = await deliver(
      t.url,
      stripeEvent("invoice.paid", invoice({ subscription: s.subscription, customer: s.customer, price: PRICES.pro, periodEnd: at(29) }), now),
    );
    expect(paid.body.outcome).toBe("applied");
    const e = (await entitlements(s.tenantId))[0]!;
    expect(e).toMatchObject({ status: "ACTIVE", pastDueSince: null });
    expect(e.validUntil!.getTime()).toBe(Math.floor(at(29).getTime() / 1000) * 1000);
    now = at(2);
    const del = await deliver(
      t.url,
      stripeEvent(
        "customer.subscription.deleted",
        subscription({ id: s.subscription, customer: s.customer, status: "canceled", price: PRICES.pro, periodEnd: at(27), canceledAt: now }),
        now,
      ),
    );
    expect(del.body.outcome).toBe("applied");
    expect((await entitlements(s.tenantId))[0]).toMatchObject({ status: "CANCELLED" });
    expect((await tenant(s.tenantId)).edition).toBe("ESSENTIALS");
    expect((await history(s.tenantId)).map((h) => h.action).slice(-3)).toEqual(["entitlement.past_due", "entitlement.reinstated", "entitlement.cancelled"]);
  });

  it("a lower Stripe quantity retires the least recently checked-in appliances' credentials", async () => {
    const s = await subscribed({ quantity: 3 });
    const creds: string[] = [];
    for (const box of ["box-a", "box-b", "box-c"]) {
      const code = (
        await t.gql(`mutation($id: ID!) { reissueInstallCode(input: { tenantId: $id }) { installCode } }`, { id: s.tenantId }, { token: t.keys.store })
      ).data.reissueInstallCode.installCode;
      const red = await t.gql(REDEEM, { input: { installCode: code, applianceId: box } }, { clientAddress: `10.9.0.${creds.length + 1}` });
      creds.push(red.data.redeemInstallCode.applianceCredential);
    }
    now = at(1);
    await deliver(
      t.url,
      stripeEvent(
        "customer.subscription.updated",
        subscription({ id: s.subscription, customer: s.customer, status: "active", price: PRICES.pro, quantity: 1, periodEnd: at(29) }),
        now,
      ),
    );
    const boxes = await prisma().appliance.findMany({ where: { tenantId: s.tenantId }, orderBy: { applianceId: "asc" } });
    expect(boxes.map((b) => [b.applianceId, b.credentialRevokedReason])).toEqual([
      ["box-a", "seat-limit"],
      ["box-b", "seat-limit"],
      ["box-c", null],
    ]);
    expect(await prisma().auditEvent.count({ where: { tenantId: s.tenantId, action: "appliance.credential_retired" } })).toBe(2);
  });

  it("unknown event types are acknowledged and ignored; non-subscription checkouts too", async () => {
    const e = stripeEvent("customer.created", { id: `cus_${uid()}`, object: "customer" }, now);
    expect(await deliver(t.url, e)).toEqual({ status: 200, body: { received: true, id: e.id, type: "customer.created", outcome: "ignored" } });
    const pay = stripeEvent(
      "checkout.session.completed",
      { ...checkoutSession({ customer: "cus_x", subscription: "" }), mode: "payment", subscription: null },
      now,
    );
    expect((await deliver(t.url, pay)).body.outcome).toBe("ignored");
    expect(await prisma().stripeEvent.findUnique({ where: { id: e.id } })).toMatchObject({ outcome: "ignored", tenantId: null });
  });

  it("an unmapped price creates nothing and leaves the edition as it is", async () => {
    const reg = await register();
    const sub = `sub_${uid()}`;
    const r = await deliver(
      t.url,
      stripeEvent(
        "customer.subscription.created",
        subscription({ id: sub, customer: `cus_${uid()}`, status: "active", price: PRICES.other, periodEnd: at(30), tenantId: reg.tenantId }),
        now,
      ),
    );
    expect(r.body.outcome).toBe("ignored");
    expect(await entitlements(reg.tenantId)).toHaveLength(0);
    expect(t.logs.some((l) => l.includes("not in STRIPE_PRICE_EDITIONS"))).toBe(true);
  });
});

describe("exactly once, in any order", () => {
  it("a replayed event is acknowledged as a duplicate and changes nothing", async () => {
    const s = await subscribed();
    now = at(1);
    const up = stripeEvent(
      "customer.subscription.updated",
      subscription({ id: s.subscription, customer: s.customer, status: "active", price: PRICES.premium, periodEnd: at(29) }),
      now,
    );
    expect((await deliver(t.url, up)).body.outcome).toBe("applied");
    const before = await history(s.tenantId);
    const again = await deliver(t.url, up);
    expect(again).toMatchObject({ status: 200, body: { received: true, outcome: "duplicate" } });
    expect(await history(s.tenantId)).toHaveLength(before.length);
  });

  it("the same event delivered ten times at once takes effect once", async () => {
    const reg = await register();
    const ids = { tenantId: reg.tenantId, customer: `cus_${uid()}`, subscription: `sub_${uid()}` };
    const e = stripeEvent("checkout.session.completed", checkoutSession({ ...ids, edition: "PREMIUM" }), now);
    const results = await Promise.all(Array.from({ length: 10 }, () => deliver(t.url, e)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.outcome === "applied")).toHaveLength(1);
    expect(results.filter((r) => r.body.outcome === "duplicate")).toHaveLength(9);
    expect(await entitlements(reg.tenantId)).toHaveLength(1);
    expect((await history(reg.tenantId)).filter((h) => h.action === "entitlement.granted")).toHaveLength(1);
  }, 60_000);

  it("an older subscription event after a newer one is stale; a late update cannot undo a cancellation", async () => {
    const s = await subscribed();
    const t1 = at(1);
    const t2 = at(2);
    const t3 = at(3);
    const older = stripeEvent(
      "customer.subscription.updated",
      subscription({ id: s.subscription, customer: s.customer, status: "active", price: PRICES.pro, quantity: 5, periodEnd: at(30) }),
      t1,
    );
    const newer = stripeEvent(
      "customer.subscription.updated",
      subscription({ id: s.subscription, customer: s.customer, status: "active", price: PRICES.premium, quantity: 2, periodEnd: at(30) }),
      t2,
    );
    const deleted = stripeEvent(
      "customer.subscription.deleted",
      subscription({ id: s.subscription, customer: s.customer, status: "canceled", price: PRICES.premium, periodEnd: at(30), canceledAt: t3 }),
      t3,
    );
    expect((await deliver(t.url, newer)).body.outcome).toBe("applied");
    expect((await deliver(t.url, older)).body.outcome).toBe("stale");
    expect((await entitlements(s.tenantId))[0]).toMatchObject({ edition: "PREMIUM", seats: 2 });
    expect((await deliver(t.url, deleted)).body.outcome).toBe("applied");
    const late = stripeEvent(
      "customer.subscription.updated",
      subscription({ id: s.subscription, customer: s.customer, status: "active", price: PRICES.premium, periodEnd: at(30) }),
      t2,
    );
    expect((await deliver(t.url, late)).body.outcome).toBe("stale");
    // an old invoice's period is already covered: it neither extends nor reinstates
    const oldInvoice = stripeEvent("invoice.paid", invoice({ subscription: s.subscription, customer: s.customer, price: PRICES.pro, periodEnd: at(20) }), t1);
    expect((await deliver(t.url, oldInvoice)).body.outcome).toBe("stale");
    expect((await entitlements(s.tenantId))[0]).toMatchObject({ status: "CANCELLED" });
    expect(await prisma().stripeEvent.findUnique({ where: { id: late.id } })).toMatchObject({ outcome: "stale", tenantId: s.tenantId });
  });

  it("invoice.paid before the subscription's own events creates the entitlement once (tenant from the invoice's subscription metadata)", async () => {
    const reg = await register();
    const ids = { customer: `cus_${uid()}`, subscription: `sub_${uid()}` };
    expect(
      (await deliver(t.url, stripeEvent("invoice.paid", invoice({ ...ids, price: PRICES.pro, periodEnd: at(30), tenantId: reg.tenantId }), now))).body.outcome,
    ).toBe("applied");
    expect(
      (
        await deliver(
          t.url,
          stripeEvent(
            "customer.subscription.created",
            subscription({ id: ids.subscription, customer: ids.customer, status: "active", price: PRICES.pro, periodEnd: at(30), tenantId: reg.tenantId }),
            now,
          ),
        )
      ).body.outcome,
    ).toBe("applied");
    expect(await entitlements(reg.tenantId)).toHaveLength(1);
  });
});

describe("tombstones for subscriptions ended before they existed", () => {
  it("the migration remembers those Stripe ended (deleted, or status canceled), not those an admin cancelled", async () => {
    const folder = readdirSync("prisma/migrations").find((d) => d.endsWith("_stripe_subscription_tombstone"))!;
    const backfill = readFileSync(`prisma/migrations/${folder}/migration.sql`, "utf8")
      .split(";")
      .find((st) => st.includes('INSERT INTO "stripe_subscription_tombstone"'))!;
    const deleted = await subscribed();
    const canceled = await subscribed();
    const byAdmin = await subscribed();
    now = at(1);
    const deletion = stripeEvent(
      "customer.subscription.deleted",
      subscription({ id: deleted.subscription, customer: deleted.customer, status: "canceled", price: PRICES.pro, periodEnd: at(29), canceledAt: now }),
      now,
    );
    expect((await deliver(t.url, deletion)).body.outcome).toBe("applied");
    const update = stripeEvent(
      "customer.subscription.updated",
      subscription({ id: canceled.subscription, customer: canceled.customer, status: "canceled", price: PRICES.pro, periodEnd: at(29), canceledAt: now }),
      now,
    );
    expect((await deliver(t.url, update)).body.outcome).toBe("applied");
    const cancel = await t.gql(
      `mutation($id: ID!) { cancelEntitlement(input: { tenantId: $id }) { changed } }`,
      { id: byAdmin.tenantId },
      { token: t.keys.admin },
    );
    expect(cancel.data.cancelEntitlement.changed).toBe(true);
    const subs = [deleted.subscription, canceled.subscription, byAdmin.subscription];
    // as a database from before this migration: no tombstones
    await t.plane.services.db.query(`DELETE FROM stripe_subscription_tombstone WHERE subscription_id = ANY($1)`, [subs]);
    await t.plane.services.db.query(backfill);
    const rows = await prisma().stripeSubscriptionTombstone.findMany({ where: { subscriptionId: { in: subs } }, orderBy: { subscriptionId: "asc" } });
    expect(rows.map((r) => [r.subscriptionId, r.stripeEventId, r.customerId]).sort()).toEqual(
      [
        [deleted.subscription, deletion.id, deleted.customer],
        [canceled.subscription, update.id, canceled.customer],
      ].sort(),
    );
    // and they stay ended
    const revive = stripeEvent(
      "customer.subscription.updated",
      subscription({ id: deleted.subscription, customer: deleted.customer, status: "active", price: PRICES.pro, periodEnd: at(60) }),
      at(2),
    );
    expect((await deliver(t.url, revive)).body.outcome).toBe("stale");
    expect((await entitlements(deleted.tenantId))[0]).toMatchObject({ status: "CANCELLED" });
  });
});

describe("unknown tenants", () => {
  it("events for no known customer, subscription or tenant id are acknowledged and recorded as unmatched", async () => {
    const e = stripeEvent(
      "customer.subscription.updated",
      subscription({ id: `sub_${uid()}`, customer: `cus_${uid()}`, status: "active", price: PRICES.pro, periodEnd: at(30) }),
      now,
    );
    expect((await deliver(t.url, e)).body).toMatchObject({ received: true, outcome: "unmatched" });
    const missing = stripeEvent(
      "checkout.session.completed",
      checkoutSession({ tenantId: randomUUID(), customer: `cus_${uid()}`, subscription: `sub_${uid()}`, edition: "PRO" }),
      now,
    );
    expect((await deliver(t.url, missing)).body.outcome).toBe("unmatched");
    expect(await prisma().stripeEvent.findUnique({ where: { id: e.id } })).toMatchObject({ outcome: "unmatched", tenantId: null });
    const listed = await t.gql(`{ stripeEvents(outcome: "unmatched") { id type outcome tenantId } }`, {}, { token: t.keys.support });
    expect(listed.data.stripeEvents.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([e.id, missing.id]));
  });
});

it("answers 503 and writes nothing while STRIPE_WEBHOOK_SECRET is not set", async () => {
  const bare = await startTestPlane();
  try {
    const e = stripeEvent("invoice.paid", invoice({ subscription: "sub_1", customer: "cus_1", price: PRICES.pro, periodEnd: at(30) }), now);
    const r = await deliver(bare.url, e);
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe("STRIPE_NOT_CONFIGURED");
    expect(await bare.plane.services.prisma.stripeEvent.count()).toBe(0);
  } finally {
    await bare.stop();
  }
}, 60_000);
