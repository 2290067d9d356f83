import { exitCodes, FAILURES, isErrorCode, type AlgaLicenseErrorCode, type ErrorCode, type StoreExit } from "@alga-license/contract";

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

/** What each exit code means, for the help: every command can return each of them. */
export const STORE_EXITS = exitCodes(EXIT, {
  OK: "ok",
  FAILED: "failed",
  USAGE: "bad usage or input",
  NOT_FOUND: "not found",
  AMBIGUOUS: "ambiguous tenant",
  AUTH: "unauthenticated/forbidden",
  UNREACHABLE: "service unreachable or timed out",
  REFUSED: "refused (suspended tenant, rate limited)",
} satisfies Record<keyof typeof EXIT, string>);

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
