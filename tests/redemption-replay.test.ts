// The replay rules of a redemption whose answer was lost (pure functions; the races are in
// integrity.test.ts, the HTTP contract in redeem-install-code.test.ts).
import { createServerSecret } from "../api/src/crypto/server-secret.js";
import { holdsRedemption, redemptionKeyDigest, replayable } from "../api/src/domain/redemption-replay.js";

const secret = createServerSecret(Buffer.from("a server secret of at least thirty-two bytes"));
const CODE_ID = "6f1c2a0e-1111-4222-8333-444455556666";
const KEY = "k-3fJx9_Qm";
const consumedAt = new Date("2026-12-01T10:00:00.000Z");
const code = {
  consumedAt,
  consumedBy: "box-1",
  revokedAt: null,
  expiresAt: new Date("2026-12-10T00:00:00.000Z"),
  redemptionKeyDigest: redemptionKeyDigest(secret, CODE_ID, KEY),
  replayedAt: null,
};
const holder = { applianceId: "box-1", keyDigest: redemptionKeyDigest(secret, CODE_ID, KEY) };
const later = new Date("2026-12-01T10:05:00.000Z");

describe("redemptionKeyDigest", () => {
  it("is an HMAC bound to the code: never the key, different per code and per server secret", () => {
    const d = redemptionKeyDigest(secret, CODE_ID, KEY);
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    expect(d).not.toContain(KEY);
    expect(redemptionKeyDigest(secret, "7f1c2a0e-1111-4222-8333-444455556666", KEY)).not.toBe(d);
    expect(redemptionKeyDigest(createServerSecret(Buffer.from("another server secret of at least 32 bytes")), CODE_ID, KEY)).not.toBe(d);
  });
});

describe("replayable", () => {
  it("the holder of code, appliance id and key, while the code would still be valid", () => {
    expect(replayable(code, holder, later)).toBe(true);
  });

  it("nobody else: another key, another appliance id, no key, or a redemption made without a key", () => {
    expect(replayable(code, { ...holder, keyDigest: redemptionKeyDigest(secret, CODE_ID, "other") }, later)).toBe(false);
    expect(replayable(code, { ...holder, applianceId: "box-2" }, later)).toBe(false);
    expect(replayable(code, { ...holder, keyDigest: null }, later)).toBe(false);
    expect(replayable({ ...code, redemptionKeyDigest: null }, holder, later)).toBe(false);
  });

  it("not once the code would have expired, not for a revoked or unused code", () => {
    expect(replayable(code, holder, code.expiresAt)).toBe(false);
    expect(replayable({ ...code, revokedAt: later }, holder, later)).toBe(false);
    expect(replayable({ ...code, consumedAt: null }, holder, later)).toBe(false);
  });

  it("not for an attempt that began before the redemption or its newest replay (one the appliance stopped waiting for)", () => {
    expect(replayable(code, holder, new Date(consumedAt.getTime() - 1))).toBe(false);
    const replayedAt = new Date("2026-12-01T10:03:00.000Z");
    expect(replayable({ ...code, replayedAt }, holder, new Date(replayedAt.getTime() - 1))).toBe(false);
    expect(replayable({ ...code, replayedAt }, holder, replayedAt)).toBe(true);
  });
});

describe("holdsRedemption", () => {
  it("only while the appliance row still carries what this code's redemption issued", () => {
    expect(holdsRedemption({ installCodeId: CODE_ID, credentialRevokedAt: null }, CODE_ID)).toBe(true);
    expect(holdsRedemption({ installCodeId: "another-code", credentialRevokedAt: null }, CODE_ID)).toBe(false);
    expect(holdsRedemption({ installCodeId: CODE_ID, credentialRevokedAt: later }, CODE_ID)).toBe(false);
    expect(holdsRedemption(null, CODE_ID)).toBe(false);
  });
});
