// One GraphQL request over fetch with a per-attempt timeout and retries (the shared retry policy:
// exponential backoff with jitter, Retry-After honoured) on failures that may pass (network, timeout,
// 5xx, load shedding, masked server errors). Contract errors that a retry cannot change (a used code,
// a refused credential) never retry. Used by the store client and the appliance tools alike.
import { parseRetryAfter } from "../retry-policy.js";
import { AlgaLicenseError, errorFromGraphQL } from "./errors.js";
import { defaultSleep, withRetries } from "./retry.js";

export interface TransportOptions {
  /** the GraphQL endpoint, e.g. https://license.example.com/graphql (see graphqlEndpoint) */
  endpoint: string;
  /** sent as `Authorization: Bearer <token>` (an API key or an appliance credential) */
  token?: string;
  /** per attempt, default 10 s */
  timeoutMs?: number;
  /** extra attempts after the first, default 0 */
  retries?: number;
  /** first backoff, doubled each attempt (with jitter), default 250 ms */
  retryDelayMs?: number;
  /** longest wait honoured from a Retry-After / retryAfterSeconds answer, default 60 s */
  maxRetryAfterMs?: number;
  fetch?: typeof fetch;
  userAgent?: string;
  /** called before each wait between attempts (progress displays) */
  onRetry?: (info: { attempt: number; waitMs: number; error: AlgaLicenseError }) => void;
  /** aborts the waits and the request in flight */
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** A control plane base URL, checked: http(s) only, no query or fragment. Throws TypeError otherwise. */
export function parseBaseUrl(raw: string, name = "the license service URL"): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new TypeError(`${name} "${raw}" is not a URL: write it with its scheme, e.g. https://license.example.com`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`${name} "${raw}" must start with http:// or https:// (e.g. https://license.example.com)`);
  }
  if (url.search || url.hash) throw new TypeError(`${name} "${raw}" must not carry a query or fragment`);
  return url;
}

/** The GraphQL endpoint under a base URL (keeps a path prefix such as https://host/license). */
export const graphqlEndpoint = (baseUrl: string) => `${parseBaseUrl(baseUrl).href.replace(/\/+$/, "")}/graphql`;

async function attempt<T>(o: TransportOptions, query: string, variables: unknown, attempts: number): Promise<T> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await (o.fetch ?? globalThis.fetch)(o.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        ...(o.userAgent ? { "user-agent": o.userAgent } : {}),
        ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
      signal: o.signal ? AbortSignal.any([timeout, o.signal]) : timeout,
    });
  } catch (err) {
    if (o.signal?.aborted) throw o.signal.reason;
    // a DOMException, which is not instanceof Error in every realm: look at the name only
    const name = (err as { name?: unknown } | null)?.name;
    const timedOut = name === "TimeoutError" || name === "AbortError";
    const cause = (err as Error).cause as { code?: string; message?: string } | undefined;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw timedOut
      ? new AlgaLicenseError({ code: "TIMEOUT", timeoutMs }, `no answer from ${o.endpoint} within ${timeoutMs} ms`, attempts, { cause: err })
      : new AlgaLicenseError({ code: "NETWORK_ERROR" }, `cannot reach ${o.endpoint} (${why})`, attempts, { cause: err });
  }
  let body: GraphQLResponse<T> | undefined;
  try {
    body = (await res.json()) as GraphQLResponse<T>;
  } catch {
    body = undefined;
  }
  if (body?.errors?.length) {
    const first = body.errors[0]!;
    // a Retry-After header counts where the body did not say
    const after = parseRetryAfter(res.headers.get("retry-after"));
    if (after !== undefined && first.extensions && first.extensions.retryAfterSeconds === undefined) {
      first.extensions = { ...first.extensions, retryAfterSeconds: after };
    }
    throw errorFromGraphQL(first, attempts);
  }
  if (!res.ok || !body?.data) {
    throw new AlgaLicenseError({ code: "HTTP_ERROR", status: res.status }, `unexpected HTTP ${res.status} from ${o.endpoint}`, attempts);
  }
  return body.data;
}

/** Runs one GraphQL operation, retrying what may pass; throws AlgaLicenseError. */
export function execute<T>(o: TransportOptions, query: string, variables: unknown): Promise<T> {
  const policy = { attempts: (o.retries ?? 0) + 1, baseMs: o.retryDelayMs ?? 250, jitter: 0.25, maxRetryAfterMs: o.maxRetryAfterMs ?? 60_000 };
  return withRetries((n) => attempt<T>(o, query, variables, n), policy, {
    signal: o.signal,
    wait: o.sleep ?? defaultSleep,
    onWait: (w) => o.onRetry?.({ attempt: w.attempt, waitMs: w.waitMs, error: w.error }),
  });
}
