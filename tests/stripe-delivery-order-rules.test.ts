// The ordering rules of Stripe subscription snapshots (api/src/billing/delivery-order.ts), as pure
// functions: every combination of terminal / tombstone / order / change / reconciliation.
import { decideSnapshot, orderOf, reconciledStamp, type Order } from "../api/src/billing/delivery-order.js";

const T = new Date("2031-01-01T00:00:10.000Z");
const plus = (ms: number) => new Date(T.getTime() + ms);

describe("orderOf compares whole seconds (Stripe's resolution)", () => {
  it.each([
    [plus(1000), T, "newer"],
    [plus(999), T, "same-second"],
    [T, plus(999), "same-second"],
    [plus(-1), T, "older"],
    [T, null, "newer"],
  ] as const)("%s against %s: %s", (snapshot, stamp, order) => {
    expect(orderOf(snapshot, stamp)).toBe(order);
  });
});

describe("decideSnapshot", () => {
  const orders: Order[] = ["newer", "same-second", "older"];
  const live = { tombstoned: false, cancelled: false };

  it("a terminal snapshot always applies, whatever its time or what is recorded", () => {
    for (const order of orders) {
      for (const recorded of [live, { tombstoned: true, cancelled: true }]) {
        for (const canReconcile of [false, true]) expect(decideSnapshot({ terminal: true, order, changes: true }, recorded, canReconcile)).toBe("apply");
      }
    }
  });

  it("a subscription with a tombstone never takes another snapshot, and Stripe is not asked", () => {
    for (const order of orders) {
      for (const changes of [false, true])
        expect(decideSnapshot({ terminal: false, order, changes }, { tombstoned: true, cancelled: true }, true)).toBe("stale");
    }
  });

  it("on equal timestamps a recorded cancellation wins", () => {
    expect(decideSnapshot({ terminal: false, order: "same-second", changes: true }, { tombstoned: false, cancelled: true }, false)).toBe("stale");
    expect(decideSnapshot({ terminal: false, order: "same-second", changes: true }, { tombstoned: false, cancelled: true }, true)).toBe("stale");
  });

  it.each([
    // order, changes, canReconcile → decision
    ["newer", true, false, "apply"],
    ["newer", true, true, "apply"],
    ["older", true, false, "stale"],
    ["older", true, true, "reconcile"],
    ["older", false, true, "stale"],
    ["same-second", false, true, "apply"],
    ["same-second", true, false, "apply"],
    ["same-second", true, true, "reconcile"],
  ] as const)("%s, changes %s, reconciling %s → %s", (order, changes, canReconcile, decision) => {
    expect(decideSnapshot({ terminal: false, order, changes }, live, canReconcile)).toBe(decision);
  });
});

describe("reconciledStamp", () => {
  it("is the moment Stripe was read, in whole seconds, never before the event or the recorded stamp", () => {
    expect(reconciledStamp(plus(1500), T, T)).toEqual(plus(1000));
    expect(reconciledStamp(T, plus(5000), null)).toEqual(plus(5000));
    expect(reconciledStamp(T, null, plus(7999))).toEqual(plus(7000));
  });
});
