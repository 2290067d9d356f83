// Entitlement admin mutations and what check-in answers for every entitlement state, across the grace
// boundary (the API's clock is injected and moved), against the real API and database.
import { randomUUID } from "node:crypto";
import { decodeJwt } from "jose";
import { codeOf, CHECK_IN, REDEEM, REGISTER, REISSUE, startTestPlane, type TestPlane } from "./helpers/control-plane.js";

const DAY = 86_400_000;
const GRACE_DAYS = 14;
const TTL_DAYS = 30;
let now = new Date("2031-03-01T00:00:00Z");
let t: TestPlane;
beforeAll(async () => {
  t = await startTestPlane({}, { clock: () => now });
});
afterAll(() => t.stop());

const uid = () => randomUUID().slice(0, 8);
const later = (days: number, from = now) => new Date(from.getTime() + days * DAY);
const secondsOf = (d: Date) => Math.floor(d.getTime() / 1000);
/** history is ordered by time: let a second pass between steps */
const tick = () => (now = new Date(now.getTime() + 1000));

const PAYLOAD = `tenantId changed retiredApplianceIds entitlement { id edition status validUntil seats pastDueSince cancelledAt standing licensedUntil } tenant { edition seats seatsUsed }`;
const admin = async (mutation: string, input: Record<string, unknown>, token = t.keys.admin) => {
  const r = await t.gql(
    `mutation($input: ${mutation[0]!.toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $input) { ${PAYLOAD} } }`,
    { input },
    { token },
  );
  return { ...r, payload: r.data?.[mutation] };
};

async function tenantWithAppliance(edition: "PRO" | "ESSENTIALS" = "PRO", applianceId = `box-${uid()}`) {
  const reg = (await t.gql(REGISTER, { input: { companyName: `Ent ${uid()}`, contactEmail: `ent-${uid()}@x.test`, edition } }, { token: t.keys.store })).data
    .registerTenant;
  const red = (
    await t.gql(
      REDEEM,
      { input: { installCode: reg.installCode, applianceId } },
      { clientAddress: `10.1.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` },
    )
  ).data.redeemInstallCode;
  return { tenantId: reg.tenantId as string, applianceId, credential: red.applianceCredential as string | null };
}
const checkIn = (a: { applianceId: string; credential: string | null }) =>
  t.gql(CHECK_IN, { input: { applianceId: a.applianceId } }, { token: a.credential ?? undefined });

describe("admin mutations", () => {
  it("only admin keys may change entitlements; input errors are BAD_USER_INPUT naming the field", async () => {
    const a = await tenantWithAppliance();
    expect(codeOf(await admin("cancelEntitlement", { tenantId: a.tenantId }, t.keys.support))).toBe("FORBIDDEN");
    expect(codeOf(await admin("cancelEntitlement", { tenantId: a.tenantId }, t.keys.store))).toBe("FORBIDDEN");
    const seats = await admin("setEntitlementSeats", { tenantId: a.tenantId, seats: 0 });
    expect(seats.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "seats" });
    const ess = await admin("changeEntitlementEdition", { tenantId: a.tenantId, edition: "ESSENTIALS" });
    expect(ess.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "edition" });
    const past = await admin("extendEntitlement", { tenantId: a.tenantId, validUntil: later(-1).toISOString() });
    expect(past.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "validUntil" });
    expect(codeOf(await admin("extendEntitlement", { tenantId: a.tenantId }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await admin("cancelEntitlement", { tenantId: randomUUID() }))).toBe("TENANT_NOT_FOUND");
    const exists = await admin("grantEntitlement", { tenantId: a.tenantId, edition: "PREMIUM" });
    expect(exists.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "ENTITLEMENT_EXISTS" });
    const none = await tenantWithAppliance("ESSENTIALS");
    expect((await admin("cancelEntitlement", { tenantId: none.tenantId })).errors![0]!.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      reason: "NO_ENTITLEMENT",
    });
  });

  it("validUntil is at most 100 years ahead (grant and extend); no computed expiry ever passes year 9999", async () => {
    const a = await tenantWithAppliance();
    for (const validUntil of ["9999-12-31T23:59:59Z", later(365 * 100 + 30).toISOString()]) {
      const extend = await admin("extendEntitlement", { tenantId: a.tenantId, validUntil });
      expect(extend.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "validUntil" });
      expect(extend.errors![0]!.message).toMatch(/at most 100 years ahead/);
    }
    const e = await tenantWithAppliance("ESSENTIALS");
    const grant = await admin("grantEntitlement", { tenantId: e.tenantId, edition: "PRO", validUntil: "9999-12-31T23:59:59Z" });
    expect(grant.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "validUntil" });
    expect(await t.plane.services.prisma.entitlement.count({ where: { tenantId: e.tenantId } })).toBe(0);
    // within the bound: accepted, and licensedUntil is an ordinary four-digit-year date-time
    const ok = await admin("extendEntitlement", { tenantId: a.tenantId, validUntil: later(365 * 99).toISOString() });
    expect(ok.errors).toBeUndefined();
    expect(ok.payload.entitlement.licensedUntil).toMatch(/^\d{4}-/);
    // a far-future validUntil stored before the bound existed: expiries stop at 9999-12-31T23:59:59Z
    await t.plane.services.prisma.entitlement.updateMany({ where: { tenantId: a.tenantId }, data: { validUntil: new Date("9999-12-31T23:59:59Z") } });
    const read = await t.gql(`query($id: ID!) { tenant(id: $id) { entitlements { licensedUntil } } }`, { id: a.tenantId }, { token: t.keys.support });
    expect(read.data.tenant.entitlements[0].licensedUntil).toBe("9999-12-31T23:59:59.000Z");
    expect(codeOf(await checkIn(a))).toBeUndefined();
    const { licenseTerms } = await import("../api/src/domain/license-terms.js");
    const openEnded = {
      id: "e",
      tenantId: a.tenantId,
      edition: "PRO",
      status: "ACTIVE",
      validUntil: null,
      pastDueSince: null,
      seats: 1,
    } as unknown as Parameters<typeof licenseTerms>[0];
    const terms = licenseTerms(openEnded, now, { licenseTtlSeconds: 1e13, graceSeconds: 0 });
    expect(terms.kind === "paid" && terms.expiresAt.toISOString()).toBe("9999-12-31T23:59:59.000Z");
  });

  it("grant → edition → seats → extend → past due → cancel: each audited with the admin key, the registry edition in step", async () => {
    const e = await tenantWithAppliance("ESSENTIALS");
    const until = later(60);
    const g = await admin("grantEntitlement", { tenantId: e.tenantId, edition: "PRO", seats: 2, validUntil: until.toISOString(), reason: "invoice 4711" });
    expect(g.errors).toBeUndefined();
    expect(g.payload).toMatchObject({
      changed: true,
      entitlement: { edition: "PRO", status: "ACTIVE", seats: 2, standing: "LICENSED" },
      tenant: { edition: "PRO", seats: 2, seatsUsed: 0 },
    });
    expect(new Date(g.payload.entitlement.licensedUntil).getTime()).toBe(until.getTime() + GRACE_DAYS * DAY);
    tick();
    expect((await admin("changeEntitlementEdition", { tenantId: e.tenantId, edition: "PREMIUM" })).payload.tenant.edition).toBe("PREMIUM");
    tick();
    expect((await admin("changeEntitlementEdition", { tenantId: e.tenantId, edition: "PREMIUM" })).payload.changed).toBe(false);
    tick();
    expect((await admin("setEntitlementSeats", { tenantId: e.tenantId, seats: 5 })).payload.entitlement.seats).toBe(5);
    tick();
    expect((await admin("extendEntitlement", { tenantId: e.tenantId, openEnded: true })).payload.entitlement.validUntil).toBeNull();
    tick();
    const pd = await admin("markEntitlementPastDue", { tenantId: e.tenantId, reason: "card declined" });
    expect(pd.payload.entitlement).toMatchObject({ status: "PAST_DUE", standing: "IN_GRACE" });
    expect(new Date(pd.payload.entitlement.licensedUntil).getTime()).toBe(now.getTime() + GRACE_DAYS * DAY);
    tick();
    const c = await admin("cancelEntitlement", { tenantId: e.tenantId, reason: "churned" });
    expect(c.payload).toMatchObject({ entitlement: { status: "CANCELLED", standing: "LAPSED" }, tenant: { edition: "ESSENTIALS", seats: null } });
    tick();
    expect((await admin("cancelEntitlement", { tenantId: e.tenantId })).payload.changed).toBe(false);

    const h = await t.gql(
      `query($id: ID!) { tenant(id: $id) { entitlementHistory { action principalType details } } }`,
      { id: e.tenantId },
      { token: t.keys.support },
    );
    const actions = h.data.tenant.entitlementHistory.map((x: { action: string }) => x.action).reverse();
    expect(actions).toEqual([
      "entitlement.granted",
      "entitlement.edition_changed",
      "entitlement.seats_changed",
      "entitlement.extended",
      "entitlement.past_due",
      "entitlement.cancelled",
    ]);
    expect(h.data.tenant.entitlementHistory.every((x: { principalType: string }) => x.principalType === "admin")).toBe(true);
    expect(h.data.tenant.entitlementHistory.at(-1).details).toMatchObject({ source: "admin", reason: "invoice 4711" });
    // granting again after a cancellation starts a new entitlement
    const again = await admin("grantEntitlement", { tenantId: e.tenantId, edition: "PRO" });
    expect(again.payload.entitlement).toMatchObject({ status: "ACTIVE", validUntil: null, seats: 1 });
  });

  it("fewer seats than licensed appliances retires the least recently checked-in ones at once", async () => {
    const a = await tenantWithAppliance("PRO", "seat-1");
    await admin("setEntitlementSeats", { tenantId: a.tenantId, seats: 3 });
    const boxes = [a];
    for (const id of ["seat-2", "seat-3"]) {
      const code = (await t.gql(REISSUE, { input: { tenantId: a.tenantId } }, { token: t.keys.store })).data.reissueInstallCode.installCode;
      const red = (await t.gql(REDEEM, { input: { installCode: code, applianceId: id } }, { clientAddress: `10.2.0.${boxes.length}` })).data.redeemInstallCode;
      boxes.push({ tenantId: a.tenantId, applianceId: id, credential: red.applianceCredential });
    }
    now = later(1);
    expect((await checkIn(boxes[0]!)).errors).toBeUndefined(); // seat-1 is now the most recent
    const r = await admin("setEntitlementSeats", { tenantId: a.tenantId, seats: 1 });
    expect(r.payload.retiredApplianceIds).toEqual(["seat-2", "seat-3"]);
    expect(r.payload.tenant).toMatchObject({ seats: 1, seatsUsed: 1 });
    expect(codeOf(await checkIn(boxes[1]!))).toBe("UNAUTHENTICATED");
    expect((await checkIn(boxes[0]!)).errors).toBeUndefined();
  });

  it("grants and seat changes racing redemptions serialise on the tenant lock: one live entitlement, never more licensed appliances than seats", async () => {
    const e = await tenantWithAppliance("ESSENTIALS");
    const grants = await Promise.all(Array.from({ length: 6 }, () => admin("grantEntitlement", { tenantId: e.tenantId, edition: "PRO", seats: 4 })));
    expect(grants.filter((g) => !g.errors)).toHaveLength(1);
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      // one code at a time per tenant: redeem each before the next re-issue
      const code = (await t.gql(REISSUE, { input: { tenantId: e.tenantId } }, { token: t.keys.store })).data.reissueInstallCode.installCode;
      codes.push(code);
      if (i < 3) await t.gql(REDEEM, { input: { installCode: code, applianceId: `race-${i}` } }, { clientAddress: `10.3.0.${i}` });
    }
    await Promise.all([
      t.gql(REDEEM, { input: { installCode: codes[3], applianceId: "race-3" } }, { clientAddress: "10.3.0.9" }),
      admin("setEntitlementSeats", { tenantId: e.tenantId, seats: 2 }),
      admin("setEntitlementSeats", { tenantId: e.tenantId, seats: 2 }),
    ]);
    const licensed = await t.plane.services.prisma.appliance.count({
      where: { tenantId: e.tenantId, credentialDigest: { not: null }, credentialRevokedAt: null },
    });
    expect(licensed).toBeLessThanOrEqual(2);
  }, 60_000);
});

describe("check-in follows the entitlement across the grace boundary", () => {
  const exp = async (a: { applianceId: string; credential: string | null }) => {
    const r = await checkIn(a);
    expect(r.errors).toBeUndefined();
    return { ...decodeJwt(r.data.checkIn.token), edition: r.data.checkIn.edition } as { exp: number; edition: string; features: string[] };
  };

  it("renewed → extended; upgraded → new edition and features at the next check-in; exp never past validUntil + grace", async () => {
    const a = await tenantWithAppliance();
    const until = later(10);
    await admin("extendEntitlement", { tenantId: a.tenantId, validUntil: until.toISOString() });
    expect((await exp(a)).exp).toBe(secondsOf(later(GRACE_DAYS, until))); // capped: 10 + 14 days < 30-day TTL
    await admin("extendEntitlement", { tenantId: a.tenantId, validUntil: later(365).toISOString() });
    expect((await exp(a)).exp).toBe(secondsOf(later(TTL_DAYS))); // the TTL, inside the paid period
    const before = await exp(a);
    expect(before.features).not.toContain("PRIORITY_SUPPORT");
    await admin("changeEntitlementEdition", { tenantId: a.tenantId, edition: "PREMIUM" });
    const up = await exp(a);
    expect(up.edition).toBe("PREMIUM");
    expect(up.features).toEqual(expect.arrayContaining(["MOBILE_ACCESS", "PRIORITY_SUPPORT"]));
  });

  it("past due → licensed until validUntil + grace (exp capped there), then ENTITLEMENT_LAPSED; a renewal restores it", async () => {
    const a = await tenantWithAppliance();
    const start = now;
    const until = later(5);
    await admin("extendEntitlement", { tenantId: a.tenantId, validUntil: until.toISOString() });
    now = later(1, until); // past validUntil, inside the grace period
    await admin("markEntitlementPastDue", { tenantId: a.tenantId });
    expect((await exp(a)).exp).toBe(secondsOf(later(GRACE_DAYS, until)));
    now = new Date(until.getTime() + GRACE_DAYS * DAY - 1000); // the last second of grace
    expect((await exp(a)).exp).toBe(secondsOf(later(GRACE_DAYS, until)));
    now = new Date(until.getTime() + GRACE_DAYS * DAY); // grace over
    const lapsed = await checkIn(a);
    expect(lapsed.errors![0]!.extensions).toMatchObject({ code: "ENTITLEMENT_LAPSED", edition: "ESSENTIALS", reason: "EXPIRED" });
    await admin("extendEntitlement", { tenantId: a.tenantId, validUntil: later(30).toISOString() });
    expect((await exp(a)).edition).toBe("PRO");
    now = start;
  });

  it("ACTIVE past validUntil (no payment event yet) rides the grace period too, then lapses", async () => {
    const a = await tenantWithAppliance();
    const start = now;
    const until = later(3);
    await admin("extendEntitlement", { tenantId: a.tenantId, validUntil: until.toISOString() });
    now = later(2, until);
    expect((await exp(a)).exp).toBe(secondsOf(later(GRACE_DAYS, until)));
    now = later(GRACE_DAYS + 1, until);
    expect(codeOf(await checkIn(a))).toBe("ENTITLEMENT_LAPSED");
    now = start;
  });

  it("cancelled → ENTITLEMENT_LAPSED at once; the appliance keeps its credential and a new grant restores it", async () => {
    const a = await tenantWithAppliance();
    await admin("cancelEntitlement", { tenantId: a.tenantId });
    const r = await checkIn(a);
    expect(r.errors![0]!.extensions).toMatchObject({ code: "ENTITLEMENT_LAPSED", reason: "CANCELLED" });
    expect(r.errors![0]!.message).toMatch(/cancelled/);
    await admin("grantEntitlement", { tenantId: a.tenantId, edition: "PREMIUM" });
    expect((await exp(a)).edition).toBe("PREMIUM");
  });

  it("expired → ENTITLEMENT_LAPSED", async () => {
    const a = await tenantWithAppliance();
    const row = await t.plane.services.prisma.entitlement.findFirstOrThrow({ where: { tenantId: a.tenantId } });
    await t.plane.services.prisma.entitlement.update({ where: { id: row.id }, data: { status: "EXPIRED" } });
    await t.plane.services.prisma.tenantRegistry.update({ where: { id: a.tenantId }, data: { revision: { increment: 1 } } });
    expect((await checkIn(a)).errors![0]!.extensions).toMatchObject({ code: "ENTITLEMENT_LAPSED", reason: "EXPIRED" });
  });
});
