// The contract's error codes (extensions.code of a GraphQL error), defined once for all three sides:
// the API raises them, the store client and the appliance tools map them. DESIGN.md "Errors".
export const ERROR_CODES = {
  INVALID_INSTALL_CODE: "The install code is malformed, fails its check character, or is unknown (indistinguishable to the caller).",
  EXPIRED_INSTALL_CODE: "The install code has expired: a re-issued code is needed.",
  CONSUMED_INSTALL_CODE: "The install code was already redeemed: a re-issued code is needed.",
  REVOKED_INSTALL_CODE: "The install code was revoked, e.g. replaced by a re-issued one.",
  TENANT_NOT_FOUND: "No tenant matches the given id or contact email.",
  AMBIGUOUS_TENANT: "Several tenants share the contact email: pass tenantId (extensions.tenants lists them).",
  APPLIANCE_NOT_FOUND: "No appliance matches (within the caller's reach).",
  TENANT_SUSPENDED: "The tenant is suspended or cancelled: no redemption, check-in or new code until reactivated.",
  ENTITLEMENT_LAPSED:
    "The tenant's paid entitlement is cancelled or expired (past its grace period): no paid license is issued. " +
    "The appliance keeps its credential and runs as ESSENTIALS once its current license expires; a renewal restores it at the next check-in.",
  SEAT_LIMIT_REACHED:
    "The entitlement's appliances are all in use and the service is configured to refuse more (SEAT_OVERFLOW=refuse): " +
    "retire an appliance's credential or raise the entitlement's seats. The install code was not used.",
  INVALID_OFFLINE_REQUEST:
    "The offline request file is not usable: malformed, made by a newer tool, of the wrong kind, or its signature does not verify (edited after the appliance signed it). " +
    "extensions.reason names the cause; make a new request on the appliance.",
  STALE_OFFLINE_REQUEST:
    "The offline request is older than the service accepts (OFFLINE_REQUEST_MAX_AGE_DAYS) or dated in the future (the appliance clock is wrong): make a new request on the appliance.",
  REPLAYED_OFFLINE_REQUEST:
    "This offline request (its nonce) or its seat report was answered before: a request file is answered once. Make a new request on the appliance; the earlier response still applies.",
  APPLIANCE_KEY_MISMATCH:
    "The request was signed by another key than the one registered for this appliance: it comes from another installation (or the appliance was reinstalled). " +
    "Activate it again with a re-issued install code.",
  UNAUTHENTICATED: "No credential, or the API key / appliance credential was not accepted (unknown or revoked).",
  FORBIDDEN: "The authenticated principal may not perform this operation or read this field.",
  BAD_USER_INPUT: "The request is malformed or an argument is invalid (extensions.field names it when one field is at fault).",
  RATE_LIMITED: "Too many failed attempts from this client address: retry after extensions.retryAfterSeconds.",
  SERVICE_BUSY: "The service is shedding load: retry after extensions.retryAfterSeconds (also sent as a Retry-After header).",
  SERVICE_UNAVAILABLE: "A dependency (the database) is unavailable: nothing was changed; retry later. extensions.requestId names the request in the logs.",
  INTERNAL_SERVER_ERROR: "An unexpected error; the message is masked and extensions.requestId points at the detail in the server log.",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

export const isErrorCode = (value: unknown): value is ErrorCode => typeof value === "string" && Object.hasOwn(ERROR_CODES, value);

/** Codes after which the same request may succeed later without any change (nothing was written). */
export const RETRYABLE_ERROR_CODES: ReadonlySet<ErrorCode> = new Set(["SERVICE_BUSY", "SERVICE_UNAVAILABLE", "INTERNAL_SERVER_ERROR"]);
