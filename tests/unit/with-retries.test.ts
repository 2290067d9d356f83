// The retrying call every client shares (contract/src/client/retry.ts): what it retries, how long it
// waits (the retry policy, Retry-After honoured), and what it throws once the attempts run out.
import { AlgaLicenseError, withRetries, type CallPolicy, type RetryWait } from "../../contract/src/index.js";

const policy: CallPolicy = { attempts: 3, baseMs: 1000, maxMs: 30_000, jitter: 0.2, maxRetryAfterMs: 60_000, retryAfterSpread: 0.25 };
const busy = (retryAfterSeconds?: number) => new AlgaLicenseError({ code: "SERVICE_BUSY", retryAfterSeconds }, "busy");

async function run(failures: unknown[], p = policy) {
  const waits: RetryWait[] = [];
  let calls = 0;
  const result = withRetries(
    async (attempt) => {
      calls = attempt;
      const f = failures[attempt - 1];
      if (f) throw f;
      return "ok";
    },
    p,
    { wait: async () => {}, onWait: (w) => void waits.push(w), random: () => 0.5 },
  );
  return {
    result: await result.then(
      (v) => ({ value: v }),
      (error: unknown) => ({ error }),
    ),
    waits,
    calls: () => calls,
  };
}

describe("withRetries", () => {
  it("retries what may pass, with the policy's backoff", async () => {
    const r = await run([busy(), new AlgaLicenseError({ code: "NETWORK_ERROR" }, "down")]);
    expect(r.result).toEqual({ value: "ok" });
    expect(r.waits.map((w) => [w.attempt, w.attempts, w.waitMs, w.askedByService])).toEqual([
      [1, 3, 1000, false],
      [2, 3, 2000, false],
    ]);
  });

  it("waits as long as the service asked when that is longer (Retry-After), spread a little later, bounded", async () => {
    const r = await run([busy(5)]);
    expect(r.waits[0]).toMatchObject({ waitMs: 5625, askedByService: true });
    const capped = await run([busy(600)]);
    expect(capped.waits[0]!.waitMs).toBe(60_000);
  });

  it("never retries a contract refusal or what is not the service's answer", async () => {
    const used = new AlgaLicenseError({ code: "CONSUMED_INSTALL_CODE" }, "used");
    const r = await run([used]);
    expect(r.result).toEqual({ error: used });
    expect(r.waits).toEqual([]);
    const bug = new RangeError("a bug");
    expect((await run([bug])).result).toEqual({ error: bug });
    expect((await run([new AlgaLicenseError({ code: "BAD_RESPONSE" }, "a proxy's page")])).waits).toEqual([]);
  });

  it("throws the last error once the attempts ran out, counting them", async () => {
    const r = await run([busy(), busy(), busy(1)]);
    const error = (r.result as { error: AlgaLicenseError }).error;
    expect(error).toBeInstanceOf(AlgaLicenseError);
    expect([error.code, error.attempts, error.retryAfterSeconds]).toEqual(["SERVICE_BUSY", 3, 1]);
    expect(r.waits).toHaveLength(2);
  });
});
