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

export function exitCodeFor(code: AlgaLicenseErrorCode): number {
  switch (code) {
    case "BAD_USER_INPUT":
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
      return EXIT.REFUSED;
    default:
      return EXIT.FAILED;
  }
}
