// One retrying call for the wizard, the non-interactive setup and the check-in agent. A failure that
// may pass on its own (no answer, SERVICE_BUSY, SERVICE_UNAVAILABLE, a masked server error) is retried
// with exponential backoff, or after the time the service asked for (Retry-After) when longer —
// bounded by maxRetryAfterMs, with jitter so a shed fleet does not come back at the same instant.
// Everything else (a used code, a refused credential) fails at once.
import { AlgaLicenseError } from "@alga-license/contract";
import { asLicenseError, LicenseServiceError } from "./license-api.js";

export interface RetryPolicy {
  /** attempts in all, at least 1 */
  attempts: number;
  /** first backoff; doubled per attempt */
  baseDelayMs: number;
  /** longest backoff */
  maxDelayMs: number;
  /** longest wait honoured from a Retry-After (a longer request is cut to this) */
  maxRetryAfterMs: number;
}

export const INTERACTIVE_POLICY: RetryPolicy = { attempts: 6, baseDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 };

export interface RetryWait {
  /** the attempt that just failed (1-based) */
  attempt: number;
  attempts: number;
  waitMs: number;
  /** when the next attempt starts (Date.now() based) */
  retryAt: number;
  /** whether the service asked for the wait (Retry-After) */
  askedByService: boolean;
  error: LicenseServiceError;
}

export interface RetryHooks {
  /** before each attempt */
  onAttempt?: (attempt: number) => void;
  /** before each wait (countdowns, logs) */
  onWait?: (wait: RetryWait) => void;
  /** how to wait: the wizard's resolves early when the operator presses R */
  wait?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  /** 0..1, default Math.random */
  random?: () => number;
}

/** Thrown when every attempt failed: the last error, and how many attempts were made. */
export class RetriesExhausted extends Error {
  constructor(
    readonly error: LicenseServiceError,
    readonly attempts: number,
    readonly waits: number[],
  ) {
    super(error.message);
    this.name = "RetriesExhausted";
  }
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", abort, { once: true });
  });

/** The wait before the next attempt after `error` failed attempt `attempt`. */
export function retryDelay(attempt: number, error: LicenseServiceError, policy: RetryPolicy, random = Math.random): { waitMs: number; askedByService: boolean } {
  const backoff = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  const asked = error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : 0;
  if (asked > backoff) {
    // never sooner than asked; up to a quarter later so the shed callers spread out
    return { waitMs: Math.round(Math.min(asked * (1 + random() * 0.25), policy.maxRetryAfterMs)), askedByService: true };
  }
  return { waitMs: Math.round(backoff * (0.8 + random() * 0.4)), askedByService: false };
}

/** Runs task until it succeeds, fails for good, or the attempts run out (RetriesExhausted). */
export async function callWithRetry<T>(task: (attempt: number, signal?: AbortSignal) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const waits: number[] = [];
  for (let attempt = 1; ; attempt++) {
    hooks.onAttempt?.(attempt);
    try {
      return await task(attempt, hooks.signal);
    } catch (err) {
      // aborted, or not an answer of the service (a bug, a refused key document): never retried
      if (hooks.signal?.aborted || !(err instanceof LicenseServiceError || err instanceof AlgaLicenseError)) throw err;
      const error = asLicenseError(err);
      if (!error.retryable) throw error;
      if (attempt >= policy.attempts) throw new RetriesExhausted(error, attempt, waits);
      const { waitMs, askedByService } = retryDelay(attempt, error, policy, hooks.random);
      waits.push(waitMs);
      hooks.onWait?.({ attempt, attempts: policy.attempts, waitMs, retryAt: Date.now() + waitMs, askedByService, error });
      await (hooks.wait ?? sleep)(waitMs, hooks.signal);
    }
  }
}

/** The underlying service error of a failed callWithRetry. */
export const failureOf = (err: unknown): { error: LicenseServiceError; attempts: number; waits: number[] } =>
  err instanceof RetriesExhausted ? { error: err.error, attempts: err.attempts, waits: err.waits } : { error: asLicenseError(err), attempts: 1, waits: [] };
