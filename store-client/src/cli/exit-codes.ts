import type { AlgaLicenseErrorCode } from "@alga-license/contract";

/** alga-store exit codes, one per kind of failure (documented in README.md). */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  AMBIGUOUS: 4,
  AUTH: 5,
  UNREACHABLE: 6,
  REFUSED: 7,
} as const;

/** What each exit code means, for the help. */
export const EXIT_MEANING: Record<(typeof EXIT)[keyof typeof EXIT], string> = {
  0: "ok",
  1: "failed",
  2: "bad usage or input",
  3: "not found",
  4: "ambiguous tenant",
  5: "unauthenticated/forbidden",
  6: "service unreachable or timed out",
  7: "refused (suspended tenant, used code, offline request refused, rate limited)",
};

export function exitCodeFor(code: AlgaLicenseErrorCode): number {
  switch (code) {
    case "BAD_USER_INPUT":
    case "INVALID_OFFLINE_REQUEST":
      return EXIT.USAGE;
    case "TENANT_NOT_FOUND":
    case "APPLIANCE_NOT_FOUND":
      return EXIT.NOT_FOUND;
    case "AMBIGUOUS_TENANT":
      return EXIT.AMBIGUOUS;
    case "UNAUTHENTICATED":
    case "FORBIDDEN":
      return EXIT.AUTH;
    case "NETWORK_ERROR":
    case "TIMEOUT":
    case "SERVICE_BUSY":
    case "SERVICE_UNAVAILABLE":
      return EXIT.UNREACHABLE;
    case "TENANT_SUSPENDED":
    case "ENTITLEMENT_LAPSED":
    case "RATE_LIMITED":
    case "INVALID_INSTALL_CODE":
    case "EXPIRED_INSTALL_CODE":
    case "CONSUMED_INSTALL_CODE":
    case "REVOKED_INSTALL_CODE":
    case "SEAT_LIMIT_REACHED":
    case "STALE_OFFLINE_REQUEST":
    case "REPLAYED_OFFLINE_REQUEST":
    case "APPLIANCE_KEY_MISMATCH":
      return EXIT.REFUSED;
    default:
      return EXIT.FAILED;
  }
}
