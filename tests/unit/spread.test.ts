// The appliance's check-in slot (setup-tui/src/checkin/spread.ts): a delay derived from its identity,
// the same every day, spreading a fleet over the window.
import { spreadDelaySeconds } from "../../setup-tui/src/checkin/spread.js";

describe("a deterministic slot per appliance", () => {
  it("the same appliance always gets the same delay; a fleet spreads over the whole window", () => {
    expect(spreadDelaySeconds("t-1", "box-1", 3600)).toBe(spreadDelaySeconds("t-1", "box-1", 3600));
    expect(spreadDelaySeconds("t-1", "box-1", 3600)).not.toBe(spreadDelaySeconds("t-1", "box-2", 3600));
    expect(spreadDelaySeconds("t-1", "box-1", 0)).toBe(0);
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 5000; i++) buckets[Math.floor(spreadDelaySeconds(`tenant-${i}`, "appliance", 3600) / 360)]++;
    for (const n of buckets) expect(n).toBeGreaterThan(350); // 500 expected per tenth of the window
  });

  it.each([
    ["t-1", "box-1", 0],
    ["t-1", "box-1", -5],
    ["t-1", "box-1", 1],
  ])("%s/%s in a window of %i s: no wait", (tenant, appliance, window) => {
    expect(spreadDelaySeconds(tenant, appliance, window)).toBe(0);
  });

  it("always within [0, window), a whole number of seconds; tenant and appliance both count", () => {
    for (const window of [2, 7, 60, 3600, 86_400]) {
      for (let i = 0; i < 200; i++) {
        const d = spreadDelaySeconds(`tenant-${i}`, `box-${i % 7}`, window);
        expect(Number.isInteger(d) && d >= 0 && d < window).toBe(true);
      }
    }
    // the slot is of the pair: one appliance id in two tenants gets two slots
    const slots = new Set(Array.from({ length: 20 }, (_, i) => spreadDelaySeconds(`tenant-${i}`, "appliance", 86_400)));
    expect(slots.size).toBeGreaterThan(15);
  });
});
