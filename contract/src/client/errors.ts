// Typed errors of a call to the control plane: one union keyed by the contract's extensions.code,
// plus the transport failures a caller can meet before any answer arrives.
import { ERROR_CODE_LIST, isErrorCode, RETRYABLE_ERROR_CODES, type ErrorCode } from "../errors.js";

/** @deprecated use ERROR_CODE_LIST (kept for the store client's published API) */
export const DOMAIN_ERROR_CODES = ERROR_CODE_LIST;
export type DomainErrorCode = ErrorCode;

export interface AmbiguousTenantMatch {
  id: string;
  companyName: string;
  createdAt?: string;
}

export type AlgaLicenseErrorDetails =
  | { code: "AMBIGUOUS_TENANT"; tenantIds: string[]; tenants: AmbiguousTenantMatch[] }
  | { code: "RATE_LIMITED"; retryAfterSeconds?: number }
  | { code: "SERVICE_BUSY"; retryAfterSeconds?: number }
  | { code: "BAD_USER_INPUT"; field?: string }
  | { code: "INTERNAL_SERVER_ERROR" | "SERVICE_UNAVAILABLE"; requestId?: string }
  | {
      code: Exclude<ErrorCode, "AMBIGUOUS_TENANT" | "RATE_LIMITED" | "SERVICE_BUSY" | "BAD_USER_INPUT" | "INTERNAL_SERVER_ERROR" | "SERVICE_UNAVAILABLE">;
    }
  /** the request never got an answer (connection refused, reset, DNS, TLS) */
  | { code: "NETWORK_ERROR" }
  /** no answer within the per-request timeout */
  | { code: "TIMEOUT"; timeoutMs: number }
  /** an HTTP error without a GraphQL body (e.g. a proxy's 502) */
  | { code: "HTTP_ERROR"; status: number }
  /** an answer that is not the license service's (not the expected document: a wrong URL, a proxy's page) */
  | { code: "BAD_RESPONSE" };

export type AlgaLicenseErrorCode = AlgaLicenseErrorDetails["code"];

/** Transport failures: the service gave no GraphQL answer. */
export const isTransportFailure = (code: AlgaLicenseErrorCode) => code === "NETWORK_ERROR" || code === "TIMEOUT" || code === "HTTP_ERROR";

export class AlgaLicenseError extends Error {
  readonly details: AlgaLicenseErrorDetails;
  /** how many attempts were made before giving up */
  readonly attempts: number;
  /** the full extensions of the GraphQL error, when there was one */
  readonly extensions: Record<string, unknown>;

  constructor(details: AlgaLicenseErrorDetails, message: string, attempts = 1, options?: { cause?: unknown; extensions?: Record<string, unknown> }) {
    super(message, options);
    this.name = "AlgaLicenseError";
    this.details = details;
    this.attempts = attempts;
    this.extensions = options?.extensions ?? {};
  }

  get code(): AlgaLicenseErrorCode {
    return this.details.code;
  }

  /** The same failure, counted as the given attempt. */
  withAttempts(attempts: number): AlgaLicenseError {
    return new AlgaLicenseError(this.details, this.message, attempts, { cause: this.cause, extensions: this.extensions });
  }

  /** Network trouble, timeouts, 5xx, load shedding and masked server errors may succeed on a later attempt. */
  get retryable(): boolean {
    const c = this.details.code;
    if (c === "NETWORK_ERROR" || c === "TIMEOUT") return true;
    if (c === "HTTP_ERROR") return this.details.status >= 500 || this.details.status === 429;
    if (c === "BAD_RESPONSE") return false;
    return RETRYABLE_ERROR_CODES.has(c);
  }

  /** How long the service asked the caller to wait before retrying, in seconds. */
  get retryAfterSeconds(): number | undefined {
    const d = this.details;
    return d.code === "SERVICE_BUSY" || d.code === "RATE_LIMITED" ? d.retryAfterSeconds : undefined;
  }
}

/** Narrows an unknown error to an AlgaLicenseError, optionally of one code. */
export function isAlgaLicenseError<C extends AlgaLicenseErrorCode>(
  err: unknown,
  code?: C,
): err is AlgaLicenseError & { details: Extract<AlgaLicenseErrorDetails, { code: C }> } {
  return err instanceof AlgaLicenseError && (code === undefined || err.code === code);
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

export function errorFromGraphQL(error: { message: string; extensions?: Record<string, unknown> }, attempts: number): AlgaLicenseError {
  const ext = error.extensions ?? {};
  const code: ErrorCode = isErrorCode(ext.code) ? ext.code : "INTERNAL_SERVER_ERROR";
  let details: AlgaLicenseErrorDetails;
  switch (code) {
    case "AMBIGUOUS_TENANT": {
      const tenants = Array.isArray(ext.tenants) ? (ext.tenants as AmbiguousTenantMatch[]) : [];
      const tenantIds = Array.isArray(ext.tenantIds) ? (ext.tenantIds as string[]) : tenants.map((t) => t.id);
      details = { code, tenantIds, tenants };
      break;
    }
    case "RATE_LIMITED":
    case "SERVICE_BUSY":
      details = { code, retryAfterSeconds: num(ext.retryAfterSeconds) };
      break;
    case "BAD_USER_INPUT":
      details = { code, field: str(ext.field) };
      break;
    case "INTERNAL_SERVER_ERROR":
    case "SERVICE_UNAVAILABLE":
      details = { code, requestId: str(ext.requestId) };
      break;
    default:
      details = { code };
  }
  return new AlgaLicenseError(details, error.message, attempts, { extensions: ext });
}
