// How long to wait before the next attempt, for every caller that retries (the GraphQL transport,
// the appliance tools, the API's outbox worker). Pure: the caller passes the random source and the
// clock, and does the waiting.
//
// Capped exponential backoff with jitter, so many callers that failed together do not come back at
// the same instant; when the service asked for a longer wait (Retry-After), that wait is honoured —
// never sooner, spread a little later, bounded so a service cannot park a caller for hours.

export interface BackoffPolicy {
  /** the wait after the first failed attempt; doubled for each further one */
  baseMs: number;
  /** longest backoff (default: no cap) */
  maxMs?: number;
  /** spread around the backoff: 0.2 waits between 0.8 and 1.2 times it (default 0.2) */
  jitter?: number;
}

export interface RetryPolicy extends BackoffPolicy {
  /** longest wait honoured from a Retry-After (a longer request is cut to this) */
  maxRetryAfterMs: number;
  /** spread above a wait the service asked for: 0.25 waits up to a quarter longer (default 0) */
  retryAfterSpread?: number;
}

/** The backoff after `attempt` (1-based; 0 counts as 1) failed attempts: base · 2^(attempt-1), capped, jittered. */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const jitter = policy.jitter ?? 0.2;
  const raw = Math.min(policy.baseMs * 2 ** Math.max(0, attempt - 1), policy.maxMs ?? Infinity);
  return Math.round(raw * (1 - jitter + random() * 2 * jitter));
}

/**
 * The wait before the next attempt after attempt `attempt` failed, the service having asked for
 * `retryAfterSeconds` (or not). A request longer than the backoff wins (bounded by maxRetryAfterMs,
 * even below the backoff); otherwise the jittered backoff, but never sooner than asked.
 */
export function retryDelay(
  attempt: number,
  policy: RetryPolicy,
  retryAfterSeconds?: number,
  random: () => number = Math.random,
): { waitMs: number; askedByService: boolean } {
  const backoff = Math.min(policy.baseMs * 2 ** Math.max(0, attempt - 1), policy.maxMs ?? Infinity);
  const asked = retryAfterSeconds !== undefined ? Math.max(0, retryAfterSeconds) * 1000 : 0;
  if (asked > backoff) {
    const spread = policy.retryAfterSpread ?? 0;
    return { waitMs: Math.round(Math.min(asked * (1 + random() * spread), policy.maxRetryAfterMs)), askedByService: true };
  }
  return { waitMs: Math.max(backoffDelayMs(attempt, policy, random), Math.round(asked)), askedByService: false };
}

/**
 * A Retry-After header value in seconds: delay-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015
 * 07:28:00 GMT", counted from `now`). A moment already past is 0; anything else is undefined.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  const raw = value?.trim();
  if (!raw) return undefined;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Math.max(0, Number(raw));
  // an HTTP-date names its weekday or month: a bare number or word is not a date
  if (!/[a-z]/i.test(raw) || !/\d/.test(raw)) return undefined;
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - now) / 1000)) : undefined;
}
