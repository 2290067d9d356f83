// One retrying call for every client of the control plane (the store client's transport, the
// appliance's wizard, non-interactive setup and check-in agent): a failure that may pass on its own
// (AlgaLicenseError.retryable: no answer, SERVICE_BUSY, SERVICE_UNAVAILABLE, a masked server error, a
// 5xx) is retried after the shared retry policy's wait (retry-policy.ts: backoff with jitter, or the
// Retry-After the service asked for when longer, bounded). Everything else — a used code, a refused
// credential, anything that is not an AlgaLicenseError — fails at once. After the last attempt the
// last error is thrown, its `attempts` saying how many were made.
import { retryDelay, type RetryPolicy } from "../retry-policy.js";
import { AlgaLicenseError } from "./errors.js";

export interface CallPolicy extends RetryPolicy {
  /** attempts in all, at least 1 */
  attempts: number;
}

export interface RetryWait {
  /** the attempt that just failed (1-based) */
  attempt: number;
  attempts: number;
  waitMs: number;
  /** when the next attempt starts (Date.now() based) */
  retryAt: number;
  /** whether the service asked for the wait (Retry-After) */
  askedByService: boolean;
  error: AlgaLicenseError;
}

export interface RetryHooks {
  /** before each attempt */
  onAttempt?: (attempt: number) => void;
  /** before each wait (countdowns, logs) */
  onWait?: (wait: RetryWait) => void;
  /** how to wait (default: a timer); the wizard's resolves early when the operator presses R */
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** aborts the waits (and, passed to the task, the request in flight) */
  signal?: AbortSignal;
  /** 0..1, default Math.random */
  random?: () => number;
}

export const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener("abort", abort, { once: true });
  });

/** Runs task until it succeeds, fails for good, or the attempts run out; throws the last error. */
export async function withRetries<T>(task: (attempt: number, signal?: AbortSignal) => Promise<T>, policy: CallPolicy, hooks: RetryHooks = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    hooks.onAttempt?.(attempt);
    try {
      return await task(attempt, hooks.signal);
    } catch (err) {
      // aborted, or not an answer of the service (a bug, a refused key document): never retried
      if (hooks.signal?.aborted || !(err instanceof AlgaLicenseError)) throw err;
      const error = err.attempts === attempt ? err : err.withAttempts(attempt);
      if (!error.retryable || attempt >= policy.attempts) throw error;
      const { waitMs, askedByService } = retryDelay(attempt, policy, error.retryAfterSeconds, hooks.random);
      hooks.onWait?.({ attempt, attempts: policy.attempts, waitMs, retryAt: Date.now() + waitMs, askedByService, error });
      await (hooks.wait ?? defaultSleep)(waitMs, hooks.signal);
    }
  }
}
