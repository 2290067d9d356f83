// The control plane as the appliance sees it, one attempt per call (retries are the caller's, through
// retry.ts): reachability, installCodeStatus, redeemInstallCode, checkIn and the vendor's key
// hand-over document — through the contract's typed operations and transport.
import {
  AlgaLicenseError,
  CheckInDocument,
  execute,
  graphqlEndpoint,
  InstallCodeStatusDocument,
  isTransportFailure,
  parseBaseUrl,
  RedeemInstallCodeDocument,
  RETRYABLE_ERROR_CODES,
  type ErrorCode,
  type InstallCodeStatusQuery,
  type RedeemInstallCodeMutation,
  type TypedDocumentString,
} from "@alga-license/contract";

/**
 * A contract error code, or what the appliance meets before any contract answer:
 * UNREACHABLE — no answer (refused, reset, DNS, timeout, a proxy's 5xx);
 * BAD_RESPONSE — an answer that is not the license service's (wrong URL, a proxy's 404 page).
 */
export type LicenseErrorCode = ErrorCode | "UNREACHABLE" | "BAD_RESPONSE";

export class LicenseServiceError extends Error {
  constructor(
    readonly code: LicenseErrorCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
    /** seconds the service asked to wait before retrying (Retry-After / extensions.retryAfterSeconds) */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "LicenseServiceError";
  }

  /** The same request may succeed later without any change: no answer, or the service shed load. */
  get retryable(): boolean {
    return this.code === "UNREACHABLE" || RETRYABLE_ERROR_CODES.has(this.code as ErrorCode);
  }
}

export type RedeemResult = RedeemInstallCodeMutation["redeemInstallCode"];
export type InstallCodeStatus = InstallCodeStatusQuery["installCodeStatus"];

export interface CallOptions {
  /** per request, default 15 s */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const USER_AGENT = "alga-appliance";

/** Any failure of one call as a LicenseServiceError (the message says what happened, once). */
export function asLicenseError(err: unknown): LicenseServiceError {
  if (err instanceof LicenseServiceError) return err;
  if (err instanceof AlgaLicenseError) {
    if (isTransportFailure(err.code)) return new LicenseServiceError("UNREACHABLE", err.message);
    return new LicenseServiceError(err.code as ErrorCode, err.message, err.extensions, err.retryAfterSeconds);
  }
  if (err instanceof TypeError) return new LicenseServiceError("BAD_RESPONSE", err.message);
  return new LicenseServiceError("INTERNAL_SERVER_ERROR", err instanceof Error ? err.message : String(err));
}

async function call<R, V>(endpoint: string, doc: TypedDocumentString<R, V>, variables: V, o: CallOptions & { token?: string } = {}): Promise<R> {
  try {
    return await execute<R>({ endpoint, token: o.token, timeoutMs: o.timeoutMs ?? 15_000, userAgent: USER_AGENT, signal: o.signal }, doc.toString(), variables);
  } catch (err) {
    if (o.signal?.aborted) throw err;
    throw asLicenseError(err);
  }
}

const base = (baseUrl: string) => parseBaseUrl(baseUrl).href.replace(/\/+$/, "");

/** GET /healthz: true when the control plane answers. */
export async function isReachable(baseUrl: string, timeoutMs = 5000): Promise<boolean> {
  try {
    const res = await fetch(`${base(baseUrl)}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}

export const installCodeStatus = async (baseUrl: string, installCode: string, o?: CallOptions) =>
  (await call(graphqlEndpoint(baseUrl), InstallCodeStatusDocument, { installCode }, o)).installCodeStatus;

/**
 * tenantId: connect (upgrade in place) — the code must belong to this appliance's tenant.
 * redemptionKey: kept before the first attempt (redemption-key.ts), so a retry replays a lost answer.
 * applianceKey: this appliance's public key (JWK JSON): the license is bound to it (cnf.jkt).
 */
export const redeemInstallCode = async (baseUrl: string, input: { installCode: string; applianceId: string; tenantId?: string; redemptionKey?: string; applianceKey?: string }, o?: CallOptions) =>
  (await call(graphqlEndpoint(baseUrl), RedeemInstallCodeDocument, { input }, o)).redeemInstallCode;

export const checkIn = async (checkInUrl: string, credential: string, input: { applianceId: string; applianceVersion?: string }, o?: CallOptions) =>
  (await call(checkInUrl, CheckInDocument, { input }, { ...o, token: credential })).checkIn;

/** GET /.well-known/license-keys.jws: the vendor's key hand-over document (verified by the caller). */
export async function fetchKeyHandover(baseUrl: string, o: CallOptions = {}): Promise<unknown> {
  const url = `${base(baseUrl)}/.well-known/license-keys.jws`;
  const timeoutMs = o.timeoutMs ?? 15_000;
  let res: Response;
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    res = await fetch(url, { headers: { accept: "application/jose+json", "user-agent": USER_AGENT }, signal: o.signal ? AbortSignal.any([timeout, o.signal]) : timeout });
  } catch (err) {
    if (o.signal?.aborted) throw err;
    const name = (err as { name?: string }).name;
    const cause = (err as Error).cause as { code?: string; message?: string } | undefined;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new LicenseServiceError("UNREACHABLE", name === "TimeoutError" ? `no answer from ${url} within ${timeoutMs} ms` : `cannot reach ${url} (${why})`);
  }
  if (res.status >= 500 || res.status === 429) {
    const after = Number(res.headers.get("retry-after"));
    throw new LicenseServiceError(res.status === 503 ? "SERVICE_BUSY" : "UNREACHABLE", `HTTP ${res.status} from ${url}`, {}, Number.isFinite(after) && after > 0 ? after : undefined);
  }
  if (!res.ok) throw new LicenseServiceError("BAD_RESPONSE", `HTTP ${res.status} from ${url}: is the license service URL right?`);
  try {
    return await res.json();
  } catch {
    throw new LicenseServiceError("BAD_RESPONSE", `${url} did not answer JSON: is the license service URL right?`);
  }
}

/** The service's base URL from a check-in URL (<base>/graphql). */
export const baseUrlOfCheckInUrl = (checkInUrl: string) => checkInUrl.replace(/\/graphql\/?$/, "");
