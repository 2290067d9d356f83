// The control plane as the appliance sees it: reachability, installCodeStatus, redeemInstallCode,
// checkIn and the vendor's key hand-over document — through the contract's typed operations,
// transport, error class (AlgaLicenseError) and retrying call (withRetries with APPLIANCE_POLICY). One
// attempt per call here; the caller retries.
import {
  AlgaLicenseError,
  applianceCodeOf,
  CheckInDocument,
  execute,
  graphqlEndpoint,
  InstallCodeStatusDocument,
  parseBaseUrl,
  parseRetryAfter,
  RedeemInstallCodeDocument,
  type ApplianceFailureCode,
  type CallPolicy,
  type InstallCodeStatusQuery,
  type RedeemInstallCodeMutation,
  type TypedDocumentString,
} from "@alga-license/contract";

/** A contract error code, or what the appliance meets before any contract answer (UNREACHABLE, BAD_RESPONSE). */
export type LicenseErrorCode = ApplianceFailureCode;

/** The appliance tools' retry policy: six attempts from 1 s, doubled up to 30 s; a Retry-After up to 60 s, spread a quarter later. */
export const INTERACTIVE_POLICY: CallPolicy = { attempts: 6, baseMs: 1000, maxMs: 30_000, jitter: 0.2, maxRetryAfterMs: 60_000, retryAfterSpread: 0.25 };

/** How the appliance names a failed call: the contract code, UNREACHABLE (no answer) or BAD_RESPONSE. */
export const failureCode = (err: AlgaLicenseError): LicenseErrorCode => applianceCodeOf(err.code);

/**
 * Any failure of a call to the service as an AlgaLicenseError: a URL that is not one (TypeError) is
 * BAD_RESPONSE; anything else that is not the service's answer counts as a masked server error.
 */
export function asServiceError(err: unknown): AlgaLicenseError {
  if (err instanceof AlgaLicenseError) return err;
  if (err instanceof TypeError) return new AlgaLicenseError({ code: "BAD_RESPONSE" }, err.message);
  return new AlgaLicenseError({ code: "INTERNAL_SERVER_ERROR" }, err instanceof Error ? err.message : String(err));
}

export type RedeemResult = RedeemInstallCodeMutation["redeemInstallCode"];
export type InstallCodeStatus = InstallCodeStatusQuery["installCodeStatus"];

export interface CallOptions {
  /** per request, default 15 s */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const USER_AGENT = "alga-appliance";

async function call<R, V>(endpoint: string, doc: TypedDocumentString<R, V>, variables: V, o: CallOptions & { token?: string } = {}): Promise<R> {
  try {
    return await execute<R>({ endpoint, token: o.token, timeoutMs: o.timeoutMs ?? 15_000, userAgent: USER_AGENT, signal: o.signal }, doc.toString(), variables);
  } catch (err) {
    if (o.signal?.aborted) throw err;
    throw asServiceError(err);
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
export const redeemInstallCode = async (
  baseUrl: string,
  input: { installCode: string; applianceId: string; tenantId?: string; redemptionKey?: string; applianceKey?: string },
  o?: CallOptions,
) => (await call(graphqlEndpoint(baseUrl), RedeemInstallCodeDocument, { input }, o)).redeemInstallCode;

export const checkIn = async (checkInUrl: string, credential: string, input: { applianceId: string; applianceVersion?: string }, o?: CallOptions) =>
  (await call(checkInUrl, CheckInDocument, { input }, { ...o, token: credential })).checkIn;

/** GET /.well-known/license-keys.jws: the vendor's key hand-over document (verified by the caller). */
export async function fetchKeyHandover(baseUrl: string, o: CallOptions = {}): Promise<unknown> {
  const url = `${base(baseUrl)}/.well-known/license-keys.jws`;
  const timeoutMs = o.timeoutMs ?? 15_000;
  let res: Response;
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    res = await fetch(url, {
      headers: { accept: "application/jose+json", "user-agent": USER_AGENT },
      signal: o.signal ? AbortSignal.any([timeout, o.signal]) : timeout,
    });
  } catch (err) {
    if (o.signal?.aborted) throw err;
    const name = (err as { name?: string }).name;
    const cause = (err as Error).cause as { code?: string; message?: string } | undefined;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw name === "TimeoutError"
      ? new AlgaLicenseError({ code: "TIMEOUT", timeoutMs }, `no answer from ${url} within ${timeoutMs} ms`, 1, { cause: err })
      : new AlgaLicenseError({ code: "NETWORK_ERROR" }, `cannot reach ${url} (${why})`, 1, { cause: err });
  }
  if (res.status >= 500 || res.status === 429) {
    // Retry-After as seconds or as an HTTP date
    const retryAfterSeconds = parseRetryAfter(res.headers.get("retry-after"));
    throw res.status === 503
      ? new AlgaLicenseError({ code: "SERVICE_BUSY", retryAfterSeconds }, `HTTP ${res.status} from ${url}`)
      : new AlgaLicenseError({ code: "HTTP_ERROR", status: res.status }, `HTTP ${res.status} from ${url}`);
  }
  if (!res.ok) throw new AlgaLicenseError({ code: "BAD_RESPONSE" }, `HTTP ${res.status} from ${url}: is the license service URL right?`);
  try {
    return await res.json();
  } catch {
    throw new AlgaLicenseError({ code: "BAD_RESPONSE" }, `${url} did not answer JSON: is the license service URL right?`);
  }
}

/** The service's base URL from a check-in URL (<base>/graphql). */
export const baseUrlOfCheckInUrl = (checkInUrl: string) => checkInUrl.replace(/\/graphql\/?$/, "");
