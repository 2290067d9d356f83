// Typed errors: one union keyed by the contract's extensions.code, plus transport failures.
export const DOMAIN_ERROR_CODES = [
  "INVALID_INSTALL_CODE",
  "EXPIRED_INSTALL_CODE",
  "CONSUMED_INSTALL_CODE",
  "REVOKED_INSTALL_CODE",
  "TENANT_NOT_FOUND",
  "AMBIGUOUS_TENANT",
  "APPLIANCE_NOT_FOUND",
  "TENANT_SUSPENDED",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "BAD_USER_INPUT",
  "RATE_LIMITED",
  "INTERNAL_SERVER_ERROR",
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export type AlgaLicenseErrorDetails =
  | { code: "AMBIGUOUS_TENANT"; tenantIds: string[] }
  | { code: "RATE_LIMITED"; retryAfterSeconds?: number }
  | { code: "BAD_USER_INPUT"; field?: string }
  | { code: "INTERNAL_SERVER_ERROR"; requestId?: string }
  | { code: Exclude<DomainErrorCode, "AMBIGUOUS_TENANT" | "RATE_LIMITED" | "BAD_USER_INPUT" | "INTERNAL_SERVER_ERROR"> }
  /** the request never got an answer (connection refused, reset, DNS, TLS) */
  | { code: "NETWORK_ERROR" }
  /** no answer within the per-request timeout */
  | { code: "TIMEOUT"; timeoutMs: number }
  /** an HTTP error without a GraphQL body (e.g. a proxy's 502) */
  | { code: "HTTP_ERROR"; status: number };

export type AlgaLicenseErrorCode = AlgaLicenseErrorDetails["code"];

export class AlgaLicenseError extends Error {
  readonly details: AlgaLicenseErrorDetails;
  /** how many attempts were made before giving up */
  readonly attempts: number;

  constructor(details: AlgaLicenseErrorDetails, message: string, attempts = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AlgaLicenseError";
    this.details = details;
    this.attempts = attempts;
  }

  get code(): AlgaLicenseErrorCode {
    return this.details.code;
  }

  /** Network trouble, timeouts, 5xx and masked server errors may succeed on a later attempt. */
  get retryable(): boolean {
    const c = this.details.code;
    return c === "NETWORK_ERROR" || c === "TIMEOUT" || c === "INTERNAL_SERVER_ERROR" || (c === "HTTP_ERROR" && this.details.status >= 500);
  }
}

/** Narrows an unknown error to an AlgaLicenseError, optionally of one code. */
export function isAlgaLicenseError<C extends AlgaLicenseErrorCode>(
  err: unknown,
  code?: C,
): err is AlgaLicenseError & { details: Extract<AlgaLicenseErrorDetails, { code: C }> } {
  return err instanceof AlgaLicenseError && (code === undefined || err.code === code);
}

export function errorFromGraphQL(error: { message: string; extensions?: Record<string, unknown> }, attempts: number): AlgaLicenseError {
  const ext = error.extensions ?? {};
  const raw = typeof ext.code === "string" ? ext.code : "INTERNAL_SERVER_ERROR";
  const code = (DOMAIN_ERROR_CODES as readonly string[]).includes(raw) ? (raw as DomainErrorCode) : "INTERNAL_SERVER_ERROR";
  let details: AlgaLicenseErrorDetails;
  switch (code) {
    case "AMBIGUOUS_TENANT":
      details = { code, tenantIds: Array.isArray(ext.tenantIds) ? (ext.tenantIds as string[]) : [] };
      break;
    case "RATE_LIMITED":
      details = { code, retryAfterSeconds: typeof ext.retryAfterSeconds === "number" ? ext.retryAfterSeconds : undefined };
      break;
    case "BAD_USER_INPUT":
      details = { code, field: typeof ext.field === "string" ? ext.field : undefined };
      break;
    case "INTERNAL_SERVER_ERROR":
      details = { code, requestId: typeof ext.requestId === "string" ? ext.requestId : undefined };
      break;
    default:
      details = { code };
  }
  return new AlgaLicenseError(details, error.message, attempts);
}
