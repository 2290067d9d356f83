// What an entitlement lets a license say (api/src/domain/license-terms.ts) and what each edition
// licenses (api/src/license/features.ts): one rule for redemption and check-in.
import type { EntitlementRow } from "../../api/src/data/entitlements.js";
import { isBlocked, LATEST_DATE_TIME_MS, latestValidUntil, licensedUntil, licenseTerms, MAX_VALID_UNTIL_YEARS } from "../../api/src/domain/license-terms.js";
import { EDITION_FEATURES, isPaid } from "../../api/src/license/features.js";

const DAY = 86_400_000;
const now = new Date("2026-12-02T10:00:00.000Z");
const at = (days: number) => new Date(now.getTime() + days * DAY);
const o = { licenseTtlSeconds: 30 * 86_400, graceSeconds: 14 * 86_400 };

const entitlement = (e: Partial<EntitlementRow> = {}): EntitlementRow => ({
  id: "ent-1",
  tenantId: "tenant-1",
  edition: "PRO",
  status: "ACTIVE",
  stripeSubscriptionId: null,
  stripePriceId: null,
  validUntil: at(365),
  pastDueSince: null,
  cancelledAt: null,
  seats: 3,
  stripeUpdatedAt: null,
  createdAt: at(-30),
  ...e,
});

describe("licenseTerms: a license expires no later than the entitlement's end + grace", () => {
  it.each<[string, EntitlementRow | null, object]>([
    ["no entitlement: essentials, no token", null, { kind: "essentials" }],
    ["ACTIVE for a year: a full TTL", entitlement(), { kind: "paid", edition: "PRO", expiresAt: at(30), inGrace: false, seats: 3 }],
    ["ACTIVE open-ended: a full TTL", entitlement({ validUntil: null }), { kind: "paid", expiresAt: at(30), inGrace: false }],
    ["ACTIVE, paid through in 5 days: until then + 14 days of grace", entitlement({ validUntil: at(5) }), { kind: "paid", expiresAt: at(19), inGrace: false }],
    [
      "ACTIVE, paid-through date passed 3 days ago: in grace, 11 days left",
      entitlement({ validUntil: at(-3) }),
      { kind: "paid", expiresAt: at(11), inGrace: true },
    ],
    ["ACTIVE, past its grace: lapsed (expired)", entitlement({ validUntil: at(-15) }), { kind: "lapsed", reason: "EXPIRED", edition: "PRO" }],
    ["ACTIVE, grace ends exactly now: lapsed", entitlement({ validUntil: at(-14) }), { kind: "lapsed", reason: "EXPIRED" }],
    [
      "PAST_DUE with a paid-through date ahead: in grace, bounded by it + grace",
      entitlement({ status: "PAST_DUE", validUntil: at(2), pastDueSince: at(-1) }),
      { kind: "paid", expiresAt: at(16), inGrace: true },
    ],
    [
      "PAST_DUE open-ended: grace counted from pastDueSince",
      entitlement({ status: "PAST_DUE", validUntil: null, pastDueSince: at(-4) }),
      { kind: "paid", expiresAt: at(10), inGrace: true },
    ],
    [
      "PAST_DUE open-ended, grace over: lapsed",
      entitlement({ status: "PAST_DUE", validUntil: null, pastDueSince: at(-20) }),
      { kind: "lapsed", reason: "EXPIRED" },
    ],
    [
      "CANCELLED: lapsed whatever its dates",
      entitlement({ status: "CANCELLED", edition: "PREMIUM" }),
      { kind: "lapsed", reason: "CANCELLED", edition: "PREMIUM", entitlementId: "ent-1" },
    ],
    ["EXPIRED: lapsed", entitlement({ status: "EXPIRED" }), { kind: "lapsed", reason: "EXPIRED" }],
  ])("%s", (_, e, terms) => {
    const t = licenseTerms(e, now, o);
    expect(t).toMatchObject(terms);
    if (t.kind === "paid") {
      expect(t.expiresAt.getTime() % 1000).toBe(0); // whole seconds, as the JWT's exp
      expect(t.expiresAt.getTime()).toBeLessThanOrEqual(now.getTime() + o.licenseTtlSeconds * 1000);
      const end = licensedUntil(e!, o.graceSeconds);
      if (end) expect(t.expiresAt.getTime()).toBeLessThanOrEqual(end.getTime());
    }
  });

  it("an expiry in milliseconds is cut to the whole second before it", () => {
    const t = licenseTerms(entitlement({ validUntil: new Date(at(1).getTime() + 999) }), now, o);
    expect(t).toMatchObject({ kind: "paid", expiresAt: at(15) });
  });

  it("no expiry is later than 9999-12-31T23:59:59Z, whatever the TTL or the paid-through date", () => {
    const far = licenseTerms(entitlement({ validUntil: null }), now, { licenseTtlSeconds: 1e13, graceSeconds: 0 });
    expect(far).toMatchObject({ kind: "paid", expiresAt: new Date(LATEST_DATE_TIME_MS) });
    expect(licensedUntil(entitlement({ validUntil: new Date(LATEST_DATE_TIME_MS) }), 86_400)).toEqual(new Date(LATEST_DATE_TIME_MS));
  });
});

describe("licensedUntil, latestValidUntil, isBlocked", () => {
  it.each<[string, Partial<EntitlementRow>, number, Date | null]>([
    ["paid through + grace", { validUntil: at(10) }, 86_400, at(11)],
    ["open-ended ACTIVE: no end", { validUntil: null }, 86_400, null],
    ["open-ended PAST_DUE: from pastDueSince", { status: "PAST_DUE", validUntil: null, pastDueSince: at(-1) }, 2 * 86_400, at(1)],
    ["no grace", { validUntil: at(10) }, 0, at(10)],
  ])("%s", (_, e, grace, until) => {
    expect(licensedUntil(entitlement(e), grace)).toEqual(until);
  });

  it("validUntil may be at most 100 years ahead", () => {
    expect(MAX_VALID_UNTIL_YEARS).toBe(100);
    expect(latestValidUntil(now).toISOString()).toBe("2126-12-02T10:00:00.000Z");
  });

  it.each([
    ["REGISTERED", false],
    ["ACTIVE", false],
    ["INSTALLED", false],
    ["SUSPENDED", true],
    ["CANCELLED", true],
  ] as const)("a %s tenant is blocked: %p", (status, blocked) => {
    expect(isBlocked(status)).toBe(blocked);
  });
});

describe("features per edition", () => {
  it("essentials is free and licenses nothing; each paid edition includes the one below", () => {
    expect(isPaid("ESSENTIALS")).toBe(false);
    expect(isPaid("PRO")).toBe(true);
    expect(isPaid("PREMIUM")).toBe(true);
    expect(EDITION_FEATURES.ESSENTIALS).toEqual([]);
    expect(EDITION_FEATURES.PRO).toContain("MOBILE_ACCESS");
    expect(EDITION_FEATURES.PREMIUM).toEqual(expect.arrayContaining([...EDITION_FEATURES.PRO]));
    expect(EDITION_FEATURES.PREMIUM.length).toBeGreaterThan(EDITION_FEATURES.PRO.length);
    for (const features of Object.values(EDITION_FEATURES)) expect(new Set(features).size).toBe(features.length);
  });
});
