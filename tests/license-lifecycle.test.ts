// The story a vendor runs for years, end to end against the real API and database: a free
// registration, paid through Stripe Checkout, upgraded in place (a re-issued code the store asks for
// with the store client, redeemed by the installed appliance for its own tenant), renewed by invoices,
// upgraded to another price, a failed payment through its grace period to a lapse, recovered, and
// finally cancelled — with the check-in answer and the license claims checked at every step, and the
// entitlement history support reads at the end. The API's clock is injected and moved.
import { randomUUID } from "node:crypto";
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";
import { createStoreClient } from "../store-client/src/index.js";
import { CHECK_IN, REDEEM, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { checkoutSession, deliver, invoice, PRICES, STRIPE_ENV, stripeEvent, subscription } from "./helpers/stripe.js";

const DAY = 86_400_000;
const GRACE_DAYS = 14;
const TTL_DAYS = 30;
let now = new Date("2032-06-01T09:00:00Z");
let t: TestPlane;
beforeAll(async () => {
  t = await startTestPlane(STRIPE_ENV, { clock: () => now });
});
afterAll(() => t.stop());

const advance = (days: number) => (now = new Date(now.getTime() + days * DAY));
const days = (n: number, from = now) => new Date(from.getTime() + n * DAY);
const sec = (d: Date) => Math.floor(d.getTime() / 1000);

it("free registration → paid → renewals → upgrade → failed payment → grace → lapse → recovery → cancellation", async () => {
  const store = createStoreClient({ baseUrl: t.url, apiKey: t.keys.store, retries: 0 });
  const support = createStoreClient({ baseUrl: t.url, apiKey: t.keys.support, retries: 0 });
  const jwks = createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`));
  const applianceId = "acme-appliance-01";
  let credential = "";
  const checkIn = () => t.gql(CHECK_IN, { input: { applianceId, applianceVersion: "3.1.0" } }, { token: credential });
  /** a successful check-in: the verified claims */
  const licensed = async (): Promise<JWTPayload & { edition: string; features: string[] }> => {
    const r = await checkIn();
    expect(r.errors).toBeUndefined();
    const { payload } = await jwtVerify(r.data.checkIn.token, jwks, { audience: tenantId, currentDate: now });
    expect(payload.sub).toBe(applianceId);
    expect(r.data.checkIn.edition).toBe(payload.edition);
    return payload as JWTPayload & { edition: string; features: string[] };
  };
  const lapsed = async (reason: string) => {
    const r = await checkIn();
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: "ENTITLEMENT_LAPSED", edition: "ESSENTIALS", reason });
  };
  const entitlement = async () => (await support.getEntitlement(tenantId))!;
  const webhook = async (type: string, object: Record<string, unknown>) => {
    const r = await deliver(t.url, stripeEvent(type, object, now));
    expect(r.status).toBe(200);
    return r.body.outcome as string;
  };

  // 1. Free registration; the appliance installs as ESSENTIALS (no credential, no license).
  const reg = await store.registerTenant({ companyName: "Acme Widgets", contactEmail: "it@acme.test", edition: "ESSENTIALS" });
  const tenantId = reg.tenantId;
  const free = (await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId } })).data.redeemInstallCode;
  expect(free).toMatchObject({ tenantId, edition: "ESSENTIALS", applianceCredential: null, firstJwt: null });
  expect((await entitlement()).currentEntitlement).toBeNull();

  // 2. Paid: the store's Checkout Session carries the tenant id (session and subscription metadata).
  const customer = `cus_${randomUUID().slice(0, 8)}`;
  const sub = `sub_${randomUUID().slice(0, 8)}`;
  let paidThrough = days(30);
  const subscriptionState = (status: string, price: string, periodEnd: Date, extra: Partial<Parameters<typeof subscription>[0]> = {}) =>
    subscription({ id: sub, customer, status, price, periodEnd, tenantId, ...extra });
  expect(await webhook("checkout.session.completed", checkoutSession({ tenantId, customer, subscription: sub, edition: "PRO" }))).toBe("applied");
  expect(await webhook("customer.subscription.created", subscriptionState("active", PRICES.pro, paidThrough))).toBe("applied");
  expect(await webhook("invoice.paid", invoice({ subscription: sub, customer, price: PRICES.pro, periodEnd: paidThrough, tenantId }))).toBe("stale"); // same period: nothing new
  expect(await entitlement()).toMatchObject({
    edition: "PRO",
    stripeCustomerId: customer,
    seats: 1,
    seatsUsed: 0,
    currentEntitlement: { status: "ACTIVE", standing: "LICENSED" },
  });

  // 3. Upgrade in place: the store re-issues a code for the same tenant; the installed appliance
  //    redeems it for its own tenant id (the connect path) and gets its credential and first license.
  const code = await store.reissueInstallCode({ tenantId });
  const connected = (await t.gql(REDEEM, { input: { installCode: code.installCode, applianceId, tenantId } })).data.redeemInstallCode;
  expect(connected).toMatchObject({ tenantId, edition: "PRO", checkInUrl: `${t.url}/graphql` });
  credential = connected.applianceCredential;
  const first = (await jwtVerify(connected.firstJwt, jwks, { audience: tenantId, currentDate: now })).payload;
  expect(first).toMatchObject({ edition: "PRO", sub: applianceId, exp: sec(days(TTL_DAYS)) });
  const appliances = await t.plane.services.prisma.appliance.findMany({ where: { tenantId } });
  expect(appliances).toHaveLength(1); // the same appliance row, now licensed: no new tenant, no second appliance
  expect(await entitlement()).toMatchObject({ seatsUsed: 1 });
  let claims = await licensed();
  expect(claims).toMatchObject({ edition: "PRO", exp: sec(days(TTL_DAYS)) });
  expect(claims.features).toContain("MOBILE_ACCESS");

  // 4. Renewals: each paid invoice moves the paid period on; the license follows at the next check-in.
  for (let month = 1; month <= 2; month++) {
    advance(30);
    paidThrough = days(30);
    expect(await webhook("invoice.paid", invoice({ subscription: sub, customer, price: PRICES.pro, periodEnd: paidThrough, tenantId }))).toBe("applied");
    expect(await webhook("customer.subscription.updated", subscriptionState("active", PRICES.pro, paidThrough))).toBe("applied");
    claims = await licensed();
    expect(claims).toMatchObject({ edition: "PRO", exp: sec(days(TTL_DAYS)) });
    expect(claims.exp!).toBeLessThanOrEqual(sec(days(GRACE_DAYS, paidThrough)));
  }

  // 5. Upgrade to the PREMIUM price: the next check-in carries the new edition and its features.
  advance(3);
  expect(await webhook("customer.subscription.updated", subscriptionState("active", PRICES.premium, paidThrough))).toBe("applied");
  claims = await licensed();
  expect(claims.edition).toBe("PREMIUM");
  expect(claims.features).toEqual(expect.arrayContaining(["MOBILE_ACCESS", "ADVANCED_WORKFLOWS", "PRIORITY_SUPPORT"]));
  expect((await entitlement()).edition).toBe("PREMIUM");

  // 6. A failed renewal: Stripe starts the next period and marks the subscription past_due. The
  //    appliance stays licensed, but never beyond the end of what was paid plus the grace period.
  now = new Date(paidThrough.getTime() + 1000);
  expect(await webhook("customer.subscription.updated", subscriptionState("past_due", PRICES.premium, days(30)))).toBe("applied");
  const graceEnd = days(GRACE_DAYS, paidThrough);
  claims = await licensed();
  expect(claims).toMatchObject({ edition: "PREMIUM", exp: sec(graceEnd) });
  expect((await entitlement()).currentEntitlement).toMatchObject({
    status: "PAST_DUE",
    standing: "IN_GRACE",
    validUntil: paidThrough.toISOString(),
    licensedUntil: graceEnd.toISOString(),
  });
  now = new Date(graceEnd.getTime() - 60_000); // the last minute of grace
  expect((await licensed()).exp).toBe(sec(graceEnd));
  now = new Date(graceEnd.getTime() + 1000); // grace over: lapsed
  await lapsed("EXPIRED");
  expect((await entitlement()).currentEntitlement).toMatchObject({ standing: "LAPSED" });

  // 7. The customer pays after all: the renewal restores the license at the next check-in.
  advance(1);
  const renewedThrough = days(29);
  expect(await webhook("invoice.paid", invoice({ subscription: sub, customer, price: PRICES.premium, periodEnd: renewedThrough, tenantId }))).toBe("applied");
  expect(await webhook("customer.subscription.updated", subscriptionState("active", PRICES.premium, renewedThrough))).toBe("applied");
  claims = await licensed();
  expect(claims).toMatchObject({ edition: "PREMIUM", exp: sec(days(TTL_DAYS)) });

  // 8. Cancellation: the next check-in is told plainly; the credential stays (a new subscription restores it).
  advance(5);
  expect(await webhook("customer.subscription.deleted", subscriptionState("canceled", PRICES.premium, renewedThrough, { canceledAt: now }))).toBe("applied");
  await lapsed("CANCELLED");
  const end = await entitlement();
  expect(end).toMatchObject({ edition: "ESSENTIALS", seats: null, seatsUsed: 1, currentEntitlement: { status: "CANCELLED", standing: "LAPSED" } });

  // What support reads: the whole history, each change with its Stripe event.
  const history = [...end.entitlementHistory].reverse();
  expect(history.map((h) => h.action)).toEqual([
    "entitlement.granted", // checkout
    "entitlement.extended", // the first period
    "entitlement.renewed",
    "entitlement.renewed",
    "entitlement.edition_changed",
    "entitlement.past_due",
    "entitlement.reinstated",
    "entitlement.cancelled",
  ]);
  expect(history.every((h) => (h.details as { source: string }).source === "stripe")).toBe(true);
  expect(history[4]!.details).toMatchObject({ stripeEventType: "customer.subscription.updated", changes: { edition: { from: "PRO", to: "PREMIUM" } } });
  expect(await t.plane.services.prisma.stripeEvent.count({ where: { tenantId, outcome: "unmatched" } })).toBe(0);
}, 120_000);
