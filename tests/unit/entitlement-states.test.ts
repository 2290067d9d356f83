// The entitlement-state table (api/src/domain/entitlements/states.ts) and the pure part of a change
// (change-decision.ts): what each status means, and which audit action, seat recount and creation
// time a change gets.
import type { EntitlementPatch, EntitlementRow } from "../../api/src/data/entitlements.js";
import { actionFor, changesOf, creationTime, planPatch, recountsSeats } from "../../api/src/domain/entitlements/change-decision.js";
import { ENTITLEMENT_STATES, inGoodStanding, isLive, isLiveStatus, stateOf } from "../../api/src/domain/entitlements/states.js";
import { EntitlementStatus } from "../../api/src/generated/prisma/enums.js";

const now = new Date("2026-12-03T09:00:00.000Z");
const STATUSES = Object.values(EntitlementStatus);

const entitlement = (e: Partial<EntitlementRow> = {}): EntitlementRow => ({
  id: "ent-1",
  tenantId: "tenant-1",
  edition: "PRO",
  status: "ACTIVE",
  stripeSubscriptionId: "sub_1",
  stripePriceId: "price_pro",
  validUntil: new Date("2027-01-01T00:00:00.000Z"),
  pastDueSince: null,
  cancelledAt: null,
  seats: 3,
  stripeUpdatedAt: new Date("2026-12-01T00:00:00.000Z"),
  createdAt: new Date("2026-11-01T00:00:00.000Z"),
  ...e,
});

describe("the entitlement-state table", () => {
  it.each([
    // status      licenses inGrace terminal reinstatable audit action               lapse reason
    ["ACTIVE", true, false, false, false, "entitlement.reinstated", null],
    ["PAST_DUE", true, true, false, true, "entitlement.past_due", null],
    ["CANCELLED", false, false, true, false, "entitlement.cancelled", "CANCELLED"],
    ["EXPIRED", false, false, false, true, "entitlement.expired", "EXPIRED"],
  ] as const)(
    "%s: licenses %p, in grace %p, terminal %p, reinstatable %p, audited as %s, lapses as %p",
    (status, licenses, inGrace, terminal, reinstatable, auditAction, lapsedReason) => {
      expect(ENTITLEMENT_STATES[status]).toEqual({ licenses, inGrace, terminal, reinstatable, auditAction, lapsedReason });
    },
  );

  it("has a row for every status of the Prisma enum, and nothing else", () => {
    expect(Object.keys(ENTITLEMENT_STATES).sort()).toEqual([...STATUSES].sort());
  });

  it.each(STATUSES)(
    "%s is consistent: a lapse reason exactly when it does not license; grace only while licensing; an ended one never comes back",
    (status) => {
      const s = stateOf(status);
      expect(s.lapsedReason === null).toBe(s.licenses);
      if (s.inGrace) expect(s.licenses).toBe(true);
      if (s.terminal) expect({ licenses: s.licenses, reinstatable: s.reinstatable }).toEqual({ licenses: false, reinstatable: false });
    },
  );

  it("each status is audited under its own action", () => {
    const actions = STATUSES.map((s) => ENTITLEMENT_STATES[s].auditAction);
    expect(new Set(actions).size).toBe(actions.length);
    for (const a of actions) expect(a).toMatch(/^entitlement\.[a-z_]+$/);
  });

  it("ACTIVE, the status a reinstatement and a grant lead to, is the one in good standing", () => {
    expect(STATUSES.filter(inGoodStanding)).toEqual(["ACTIVE"]);
  });

  it.each<[{ status: EntitlementStatus } | null, boolean]>([
    [null, false],
    ...STATUSES.map((status): [{ status: EntitlementStatus }, boolean] => [{ status }, ENTITLEMENT_STATES[status].licenses]),
  ])("isLive(%p) is %p", (e, live) => {
    expect(isLive(e)).toBe(live);
    if (e) expect(isLiveStatus(e.status)).toBe(live);
  });
});

describe("what a patch changes (changesOf, planPatch)", () => {
  it("only the fields that differ, dates by their instant, in the audit's shape", () => {
    const e = entitlement();
    expect(changesOf(e, { validUntil: new Date(e.validUntil!.getTime()), seats: 3, edition: "PREMIUM", status: undefined })).toEqual({
      edition: { from: "PRO", to: "PREMIUM" },
    });
    expect(changesOf(e, { validUntil: null, pastDueSince: now })).toEqual({
      validUntil: { from: "2027-01-01T00:00:00.000Z", to: null },
      pastDueSince: { from: null, to: now.toISOString() },
    });
  });

  it.each<[string, EntitlementPatch, ReturnType<typeof planPatch>]>([
    ["nothing", {}, { kind: "unchanged", stampOnly: false }],
    ["the same values", { status: "ACTIVE", seats: 3 }, { kind: "unchanged", stampOnly: false }],
    ["the same Stripe stamp", { stripeUpdatedAt: new Date("2026-12-01T00:00:00.000Z") }, { kind: "unchanged", stampOnly: false }],
    ["a newer Stripe stamp only: kept, but no change", { stripeUpdatedAt: now }, { kind: "unchanged", stampOnly: true }],
    ["a licensing field", { seats: 2, stripeUpdatedAt: now }, { kind: "change", changes: { seats: { from: 3, to: 2 } } }],
  ])("%s", (_, patch, plan) => {
    expect(planPatch(entitlement(), patch)).toEqual(plan);
  });
});

describe("the audit action of a change (actionFor)", () => {
  const transitions: [EntitlementStatus, EntitlementStatus][] = STATUSES.flatMap((from) =>
    STATUSES.filter((to) => to !== from).map((to) => [from, to] as [EntitlementStatus, EntitlementStatus]),
  );

  it.each(transitions)("%s → %s is named by the status entered", (from, to) => {
    const before = entitlement({ status: from });
    const patch: EntitlementPatch = { status: to, seats: 1, edition: "PREMIUM" };
    expect(actionFor(before, { status: to }, changesOf(before, patch))).toBe(ENTITLEMENT_STATES[to].auditAction);
  });

  it.each<[string, EntitlementPatch, string]>([
    ["edition (with seats and dates)", { edition: "PREMIUM", seats: 1, validUntil: now }, "entitlement.edition_changed"],
    ["seats (with dates)", { seats: 5, validUntil: now }, "entitlement.seats_changed"],
    ["paid-through date", { validUntil: now }, "entitlement.extended"],
    ["anything else", { stripePriceId: "price_other" }, "entitlement.updated"],
  ])("without a status change, the most telling field names it: %s", (_, patch, action) => {
    const before = entitlement();
    expect(actionFor(before, { status: before.status }, changesOf(before, patch))).toBe(action);
  });

  it("a new entitlement is granted, whatever its status", () => {
    expect(actionFor(null, { status: "CANCELLED" }, {})).toBe("entitlement.granted");
  });
});

describe("seats are counted again (recountsSeats)", () => {
  const before = entitlement({ seats: 3 });
  it.each<[string, EntitlementRow | null, EntitlementPatch, boolean]>([
    ["a new entitlement", null, {}, true],
    ["fewer seats", before, { seats: 2 }, true],
    ["more seats", before, { seats: 4 }, false],
    ["a status change (e.g. reinstated)", entitlement({ status: "PAST_DUE" }), { status: "ACTIVE" }, true],
    ["a new paid-through date", before, { validUntil: now }, false],
  ])("%s: %p", (_, b, patch, recount) => {
    const changes = b ? changesOf(b, patch) : {};
    expect(recountsSeats(b, { seats: patch.seats ?? b?.seats ?? 1 }, changes)).toBe(recount);
  });
});

describe("a new entitlement's creation time (creationTime)", () => {
  it.each<[string, Date | null, Date]>([
    ["the first one: now", null, now],
    ["after an older one: now", new Date(now.getTime() - 1), now],
    ["the newest was created at the same instant: a millisecond later, so it is the current one", now, new Date(now.getTime() + 1)],
    ["the newest is ahead of the clock: a millisecond after it", new Date(now.getTime() + 5000), new Date(now.getTime() + 5001)],
  ])("%s", (_, newest, at) => {
    expect(creationTime(newest ? { createdAt: newest } : null, now)).toEqual(at);
  });
});
