// One GraphQL request over fetch with a per-attempt timeout and retries with exponential backoff on
// failures that may pass (network, timeout, 5xx, masked server errors). Domain errors never retry.
import { AlgaLicenseError, errorFromGraphQL } from "./errors.js";

export interface TransportOptions {
  /** control plane base URL, e.g. https://license.example.com */
  baseUrl: string;
  apiKey?: string;
  /** per attempt, default 10 s */
  timeoutMs: number;
  /** extra attempts after the first, default 3 */
  retries: number;
  /** first backoff, doubled each attempt (with jitter), default 250 ms */
  retryDelayMs: number;
  fetch: typeof fetch;
  userAgent: string;
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function attempt<T>(o: TransportOptions, query: string, variables: unknown, attempts: number): Promise<T> {
  let res: Response;
  try {
    res = await o.fetch(new URL("/graphql", o.baseUrl), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        "user-agent": o.userAgent,
        ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(o.timeoutMs),
    });
  } catch (err) {
    // a DOMException, which is not instanceof Error in every realm: look at the name only
    const name = (err as { name?: unknown } | null)?.name;
    const timedOut = name === "TimeoutError" || name === "AbortError";
    throw timedOut
      ? new AlgaLicenseError({ code: "TIMEOUT", timeoutMs: o.timeoutMs }, `no answer from ${o.baseUrl} within ${o.timeoutMs} ms`, attempts, { cause: err })
      : new AlgaLicenseError({ code: "NETWORK_ERROR" }, `cannot reach ${o.baseUrl}: ${(err as Error).cause ?? (err as Error).message}`, attempts, { cause: err });
  }
  let body: GraphQLResponse<T> | undefined;
  try {
    body = (await res.json()) as GraphQLResponse<T>;
  } catch {
    body = undefined;
  }
  if (body?.errors?.length) throw errorFromGraphQL(body.errors[0]!, attempts);
  if (!res.ok || !body?.data) {
    throw new AlgaLicenseError({ code: "HTTP_ERROR", status: res.status }, `unexpected HTTP ${res.status} from ${o.baseUrl}`, attempts);
  }
  return body.data;
}

export async function execute<T>(o: TransportOptions, query: string, variables: unknown): Promise<T> {
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt<T>(o, query, variables, attempts);
    } catch (err) {
      if (!(err instanceof AlgaLicenseError) || !err.retryable || attempts > o.retries) throw err;
      await sleep(o.retryDelayMs * 2 ** (attempts - 1) * (0.75 + Math.random() * 0.5));
    }
  }
}
