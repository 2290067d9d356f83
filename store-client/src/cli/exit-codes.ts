import { FAILURES, isErrorCode, type AlgaLicenseErrorCode, type ErrorCode, type StoreExit } from "@alga-license/contract";

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
} as const satisfies Record<StoreExit | "OK", number>;

/** What each exit code means, for the help. */
export const EXIT_MEANING: Record<(typeof EXIT)[keyof typeof EXIT], string> = {
  0: "ok",
  1: "failed",
  2: "bad usage or input",
  3: "not found",
  4: "ambiguous tenant",
  5: "unauthenticated/forbidden",
  6: "service unreachable or timed out",
  7: "refused (suspended tenant, rate limited)",
};

/** Failures before any GraphQL answer (the contract codes' exits are the contract's failure table). */
const TRANSPORT_EXITS: Record<Exclude<AlgaLicenseErrorCode, ErrorCode>, StoreExit> = {
  NETWORK_ERROR: "UNREACHABLE",
  TIMEOUT: "UNREACHABLE",
  HTTP_ERROR: "FAILED",
  BAD_RESPONSE: "FAILED",
};

export function exitCodeFor(code: AlgaLicenseErrorCode): number {
  return EXIT[isErrorCode(code) ? FAILURES[code].storeExit : TRANSPORT_EXITS[code]];
}
