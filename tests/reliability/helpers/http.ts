// The suite's GraphQL client: plain fetch to one replica, keeping what a reliability check needs —
// HTTP status, Retry-After, the first error's code and request id, and the latency.
export interface Answer<T = any> {
  status: number;
  retryAfter: string | null;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; requestId?: string; retryAfterSeconds?: number; [k: string]: unknown } }[];
  /** "ok", the first error's code, "HTTP <status>" for a body without errors, or "network error" */
  kind: string;
  requestId?: string;
  ms: number;
  /** set when the body was not JSON (a stack or an HTML page would show here) */
  raw?: string;
}

export interface CallOptions {
  token?: string;
  /** X-Forwarded-For (replicas trust loopback proxies): a distinct client address per caller */
  clientAddress?: string;
  /** the whole body, for requests that are not `{ query, variables }` */
  body?: string;
  signal?: AbortSignal;
  /** X-Request-Id: the replica keeps a well-formed one, so the test can find the request in rows and logs */
  requestId?: string;
}

export async function gql<T = any>(url: string, query: string, variables?: unknown, o: CallOptions = {}): Promise<Answer<T>> {
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        ...(o.clientAddress ? { "x-forwarded-for": o.clientAddress } : {}),
        ...(o.requestId ? { "x-request-id": o.requestId } : {}),
      },
      body: o.body ?? JSON.stringify({ query, variables }),
      signal: o.signal,
    });
  } catch (err) {
    return { status: 0, retryAfter: null, kind: "network error", ms: performance.now() - started, raw: String((err as Error).cause ?? err) };
  }
  const text = await res.text().catch(() => "");
  const elapsed = performance.now() - started;
  let body: Pick<Answer<T>, "data" | "errors">;
  try {
    body = JSON.parse(text) as Pick<Answer<T>, "data" | "errors">;
  } catch {
    return { status: res.status, retryAfter: res.headers.get("retry-after"), kind: `HTTP ${res.status} (not JSON)`, ms: elapsed, raw: text.slice(0, 500) };
  }
  const first = body.errors?.[0];
  const kind = first ? String(first.extensions?.code ?? "NO CODE") : res.status === 200 ? "ok" : `HTTP ${res.status}`;
  return { status: res.status, retryAfter: res.headers.get("retry-after"), ...body, kind, requestId: first?.extensions?.requestId, ms: elapsed };
}

/** Runs `count` calls of `op` with at most `concurrency` in flight; returns their results in order. */
export async function pool<R>(count: number, concurrency: number, op: (i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) out[i] = await op(i);
    }),
  );
  return out;
}

/** Contract codes a caller may be answered with when the service is saturated or its database is away. */
export const RETRYABLE = new Set(["SERVICE_BUSY", "SERVICE_UNAVAILABLE"]);

/** What every retryable answer must carry: HTTP 503, Retry-After, retryAfterSeconds and a request id. */
export function retryableProblems(a: Answer): string[] {
  const e = a.errors?.[0]?.extensions;
  const problems: string[] = [];
  if (a.status !== 503) problems.push(`HTTP ${a.status}`);
  if (!a.retryAfter) problems.push("no Retry-After");
  if (typeof e?.retryAfterSeconds !== "number") problems.push("no retryAfterSeconds");
  if (typeof e?.requestId !== "string" || !e.requestId) problems.push("no requestId");
  return problems;
}

export const REGISTER = `mutation Register($input: RegisterTenantInput!) {
  registerTenant(input: $input) { tenantId installCode replayed }
}`;
export const REDEEM = `mutation Redeem($input: RedeemInstallCodeInput!) {
  redeemInstallCode(input: $input) { tenantId edition applianceCredential firstJwt }
}`;
export const REISSUE = `mutation Reissue($input: ReissueInstallCodeInput!) {
  reissueInstallCode(input: $input) { tenantId installCode revokedCodes }
}`;
export const CHECK_IN = `mutation CheckIn($input: CheckInInput!) {
  checkIn(input: $input) { token expiresAt tenantId edition }
}`;
export const CODE_STATUS = `query Status($code: String!) { installCodeStatus(installCode: $code) { state tenantId edition } }`;

/** Calls `call` again while it answers a retryable code, after its Retry-After (as the store client does). */
export async function retrying<T>(call: () => Promise<Answer<T>>, attempts = 10): Promise<Answer<T> & { retries: number }> {
  for (let retries = 0; ; retries++) {
    const a = await call();
    if (!RETRYABLE.has(a.kind) || retries + 1 >= attempts) return { ...a, retries };
    await new Promise((r) => setTimeout(r, Number(a.retryAfter ?? 1) * 1000));
  }
}
