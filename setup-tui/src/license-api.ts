// The control plane as the appliance sees it: reachability, redeemInstallCode, checkIn.
export type LicenseErrorCode =
  | "INVALID_INSTALL_CODE"
  | "EXPIRED_INSTALL_CODE"
  | "CONSUMED_INSTALL_CODE"
  | "REVOKED_INSTALL_CODE"
  | "TENANT_SUSPENDED"
  | "RATE_LIMITED"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "APPLIANCE_NOT_FOUND"
  | "BAD_USER_INPUT"
  | "INTERNAL_SERVER_ERROR"
  /** no answer: refused, reset, DNS, timeout, or a non-GraphQL HTTP error */
  | "UNREACHABLE";

export class LicenseServiceError extends Error {
  constructor(
    readonly code: LicenseErrorCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "LicenseServiceError";
  }
}

export interface RedeemResult {
  tenantId: string;
  edition: "ESSENTIALS" | "PRO" | "PREMIUM";
  companyName: string;
  contactEmail: string;
  applianceCredential: string | null;
  firstJwt: string | null;
  checkInUrl: string | null;
  licenseExpiresAt: string | null;
}

export interface CheckInResult {
  token: string;
  expiresAt: string;
  tenantId: string;
  edition: string;
}

const REDEEM = `mutation Redeem($input: RedeemInstallCodeInput!) { redeemInstallCode(input: $input) {
  tenantId edition companyName contactEmail applianceCredential firstJwt checkInUrl licenseExpiresAt } }`;
const CHECK_IN = `mutation CheckIn($input: CheckInInput!) { checkIn(input: $input) { token expiresAt tenantId edition } }`;

async function graphql<T>(url: string, query: string, variables: unknown, opts: { token?: string; timeoutMs?: number } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
    });
  } catch (err) {
    const name = (err as { name?: string }).name;
    const why = name === "TimeoutError" ? "no answer in time" : String((err as Error).cause ?? (err as Error).message);
    throw new LicenseServiceError("UNREACHABLE", `license service unreachable (${why})`);
  }
  let body: { data?: Record<string, T> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] } | undefined;
  try {
    body = (await res.json()) as typeof body;
  } catch {
    body = undefined;
  }
  const first = body?.errors?.[0];
  if (first) {
    const code = typeof first.extensions?.code === "string" ? (first.extensions.code as LicenseErrorCode) : "INTERNAL_SERVER_ERROR";
    throw new LicenseServiceError(code, first.message, first.extensions);
  }
  const data = body?.data ? Object.values(body.data)[0] : undefined;
  if (!res.ok || !data) throw new LicenseServiceError("UNREACHABLE", `license service answered HTTP ${res.status}`);
  return data;
}

export const graphqlUrl = (base: string) => `${base.replace(/\/+$/, "")}/graphql`;

/** GET /healthz: true when the control plane answers. */
export async function isReachable(baseUrl: string, timeoutMs = 5000): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl.replace(/\/+$/, "")}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}

export const redeemInstallCode = (baseUrl: string, installCode: string, applianceId: string) =>
  graphql<RedeemResult>(graphqlUrl(baseUrl), REDEEM, { input: { installCode, applianceId } });

export const checkIn = (checkInUrl: string, credential: string, applianceId: string, applianceVersion?: string) =>
  graphql<CheckInResult>(checkInUrl, CHECK_IN, { input: { applianceId, applianceVersion } }, { token: credential });
