// The one retry-delay policy (contract/src/retry-policy.ts): capped exponential backoff with jitter,
// Retry-After honoured (never sooner, bounded), Retry-After read as seconds or an HTTP-date.
import { backoffDelayMs, parseRetryAfter, retryDelay, type RetryPolicy } from "../../contract/src/retry-policy.js";

const low = () => 0;
const mid = () => 0.5;
const high = () => 0.999999;

describe("backoffDelayMs: base · 2^(attempt-1), capped, then jittered", () => {
  it.each([
    // attempt, policy, random, ms
    [1, { baseMs: 1000 }, mid, 1000],
    [2, { baseMs: 1000 }, mid, 2000],
    [5, { baseMs: 1000 }, mid, 16_000],
    [0, { baseMs: 1000 }, mid, 1000], // attempt 0 (an uncounted claim) waits like the first
    [10, { baseMs: 5000, maxMs: 300_000 }, mid, 300_000],
    [1, { baseMs: 1000 }, low, 800], // default jitter ±20 %
    [1, { baseMs: 1000 }, high, 1200],
    [1, { baseMs: 1000, jitter: 0.25 }, low, 750],
    [3, { baseMs: 1000, jitter: 0.25 }, high, 5000],
    [4, { baseMs: 400, jitter: 0 }, high, 3200],
    [40, { baseMs: 250 }, mid, 250 * 2 ** 39], // no cap: keeps doubling
  ])("attempt %i of %j (random %p) waits %i ms", (attempt, policy, random, ms) => {
    expect(backoffDelayMs(attempt, policy, random)).toBe(ms);
  });

  it("the cap applies before the jitter: a capped wait still spreads callers", () => {
    const policy = { baseMs: 5000, maxMs: 300_000, jitter: 0.2 };
    expect(backoffDelayMs(20, policy, low)).toBe(240_000);
    expect(backoffDelayMs(20, policy, high)).toBe(360_000);
  });
});

describe("retryDelay: the backoff, or what the service asked when longer", () => {
  const policy: RetryPolicy = { baseMs: 1000, maxMs: 30_000, maxRetryAfterMs: 60_000, retryAfterSpread: 0.25 };
  it.each([
    // attempt, retryAfterSeconds, random, result
    [1, undefined, mid, { waitMs: 1000, askedByService: false }],
    [3, undefined, low, { waitMs: 3200, askedByService: false }],
    [1, 5, low, { waitMs: 5000, askedByService: true }], // never sooner than asked
    [1, 5, high, { waitMs: 6250, askedByService: true }], // at most a quarter later
    [1, 600, mid, { waitMs: 60_000, askedByService: true }], // bounded by maxRetryAfterMs
    [3, 3.5, low, { waitMs: 3500, askedByService: false }], // asked less than the backoff: backoff, but not sooner than asked
    [6, 10, mid, { waitMs: 30_000, askedByService: false }], // the capped backoff is longer than asked
    [1, 0, mid, { waitMs: 1000, askedByService: false }],
    [1, -3, mid, { waitMs: 1000, askedByService: false }],
  ])("attempt %i, Retry-After %p s, random %p → %j", (attempt, after, random, result) => {
    expect(retryDelay(attempt, policy, after, random)).toEqual(result);
  });

  it("a bound below the backoff bounds what the service asked (--max-wait-seconds 1)", () => {
    const tight: RetryPolicy = { baseMs: 1000, maxRetryAfterMs: 1000, retryAfterSpread: 0.25 };
    expect([1, 2].map((attempt) => retryDelay(attempt, tight, 5, mid).waitMs)).toEqual([1000, 1000]);
  });

  it("without a spread the asked wait is exact (the GraphQL transport)", () => {
    expect(retryDelay(1, { baseMs: 250, jitter: 0.25, maxRetryAfterMs: 60_000 }, 2, high)).toEqual({ waitMs: 2000, askedByService: true });
  });
});

describe("parseRetryAfter: delay-seconds or an HTTP-date", () => {
  const now = Date.parse("2026-12-02T10:00:00Z");
  it.each([
    ["5", 5],
    [" 120 ", 120],
    ["0", 0],
    ["1.5", 1.5],
    ["-3", 0],
    ["Wed, 02 Dec 2026 10:00:30 GMT", 30],
    ["Wed, 02 Dec 2026 10:00:00 GMT", 0],
    ["Wed, 02 Dec 2026 09:00:00 GMT", 0], // already past
    ["Wed, 02 Dec 2026 10:00:00.400 GMT", 1], // rounded up: never sooner than asked
    ["2026-12-02T10:01:00Z", 60],
    ["soon", undefined],
    ["5s", undefined],
    ["", undefined],
    [null, undefined],
    [undefined, undefined],
  ])("%j → %p s", (value, seconds) => {
    expect(parseRetryAfter(value, now)).toBe(seconds);
  });
});
