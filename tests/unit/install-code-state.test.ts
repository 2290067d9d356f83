// What support sees of an install code (api/src/domain/install-code-state.ts), from its timestamps.
import { installCodeState } from "../../api/src/domain/install-code-state.js";

const now = new Date("2026-12-02T10:00:00Z");
const before = new Date("2026-12-01T10:00:00Z");
const after = new Date("2026-12-03T10:00:00Z");

describe("installCodeState", () => {
  it.each([
    ["unused, not expired", { revokedAt: null, consumedAt: null, expiresAt: after }, "ISSUED"],
    ["unused, expires exactly now", { revokedAt: null, consumedAt: null, expiresAt: now }, "EXPIRED"],
    ["unused, expired", { revokedAt: null, consumedAt: null, expiresAt: before }, "EXPIRED"],
    ["used (expiry no longer matters)", { revokedAt: null, consumedAt: before, expiresAt: before }, "CONSUMED"],
    ["revoked (replaced), though unused", { revokedAt: before, consumedAt: null, expiresAt: after }, "REVOKED"],
    ["revoked after use: reads as revoked", { revokedAt: now, consumedAt: before, expiresAt: before }, "REVOKED"],
  ])("%s → %s", (_, code, state) => {
    expect(installCodeState(code, now)).toBe(state);
  });
});
