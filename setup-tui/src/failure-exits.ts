// alga-setup's exit for every failure code, in one mapping: the service's codes (and no answer) by
// the contract's failure table (contract/src/failures.ts), the appliance's own refusals by
// FLOW_FAILURES below — the wizard's flows, the non-interactive setup and connect, and the air-gapped
// exchange (offline-request, offline-apply, renewal-request, import) alike. A failure is reported by
// its code and its exit follows from it, so a new code does not compile until its row is written.
import { applianceFailure, type ApplianceFailureCode, type SetupExit } from "@alga-license/contract";

/** alga-setup's exit codes (setup-tui/README.md, "Exit codes"), by the failure table's names. */
export const SETUP_EXIT = {
  OK: 0,
  FAILED: 1,
  /** the command line or a setting is wrong, the password is too weak, or a file is not an offline file of the right kind */
  USAGE: 2,
  /** the code failed the local format/check-character test: nothing was sent */
  MALFORMED_CODE: 3,
  /** the code cannot be used here: invalid, expired, used, revoked, another organisation's, no paid license (connect) */
  CODE_REFUSED: 4,
  TENANT_SUSPENDED: 5,
  UNREACHABLE: 6,
  /** the code was used but the seeds could not be written: a re-issued code is needed */
  APPLY_FAILED: 7,
  RATE_LIMITED: 8,
  /** the service's (or a response file's) keys or license did not verify against what this appliance trusts */
  NOT_VERIFIED: 9,
  /** connect, renewal-request, import: the appliance is not installed (run alga-setup) */
  NOT_BOOTSTRAPPED: 10,
  /** a response file does not answer this appliance's pending request: another appliance or key, replayed, stale, or an older license */
  NOT_FOR_THIS_REQUEST: 11,
} as const satisfies Record<SetupExit | "OK", number>;

/**
 * The appliance's own refusals (no service code says them), with alga-setup's exit for each; the
 * service's codes are the contract's failure table.
 */
export const FLOW_FAILURES = {
  /** the code is of another organisation than this appliance's */
  OTHER_TENANT: { setupExit: "CODE_REFUSED" },
  /** connect: the code carries no paid license */
  NOT_PAID: { setupExit: "CODE_REFUSED" },
  /** connect, renewal-request, import: the appliance is not installed */
  NOT_BOOTSTRAPPED: { setupExit: "NOT_BOOTSTRAPPED" },
  KEYS_NOT_TRUSTED: { setupExit: "NOT_VERIFIED" },
  LICENSE_NOT_VERIFIED: { setupExit: "NOT_VERIFIED" },
  /** the redemption key, the appliance key or a pending request cannot be kept in ALGA_STATE_DIR */
  STATE_NOT_WRITABLE: { setupExit: "USAGE" },
  FAILED: { setupExit: "FAILED" },
  /** the command line, a setting, or a file that cannot be read or written */
  USAGE: { setupExit: "USAGE" },
  WEAK_PASSWORD: { setupExit: "USAGE" },
  /** the code failed its local check: nothing was sent (no request written) */
  MALFORMED_INSTALL_CODE: { setupExit: "MALFORMED_CODE" },
  /** the seeds could not be written (online: after the code was used) */
  APPLY_FAILED: { setupExit: "APPLY_FAILED" },
  // the air-gapped exchange: what a response file can be refused for
  /** not an offline file of the kind this step reads */
  INVALID_OFFLINE_FILE: { setupExit: "USAGE" },
  /** made by a newer tool: update the appliance tools */
  NEWER_OFFLINE_FORMAT: { setupExit: "USAGE" },
  /** edited, not signed by the vendor's keys, or its license or keys do not verify */
  OFFLINE_RESPONSE_NOT_VERIFIED: { setupExit: "NOT_VERIFIED" },
  /** made for another appliance */
  WRONG_APPLIANCE: { setupExit: "NOT_FOR_THIS_REQUEST" },
  /** answers an earlier request, not the pending one */
  STALE_OFFLINE_RESPONSE: { setupExit: "NOT_FOR_THIS_REQUEST" },
  /** no request is waiting (a replay, or a request made on another machine) */
  NO_PENDING_REQUEST: { setupExit: "NOT_FOR_THIS_REQUEST" },
  /** import: the response's license is older than the stored one */
  OLDER_LICENSE: { setupExit: "NOT_FOR_THIS_REQUEST" },
  /** renewal-request: the installed appliance has no identity key */
  NO_APPLIANCE_KEY: { setupExit: "FAILED" },
} as const satisfies Record<string, { setupExit: SetupExit }>;
export type FlowCode = keyof typeof FLOW_FAILURES;

/** Every code a failure is reported with: the service's (or no answer) or the appliance's own. */
export type FailureCode = ApplianceFailureCode | FlowCode;

export const isFlowCode = (code: string): code is FlowCode => Object.hasOwn(FLOW_FAILURES, code);

/** alga-setup's exit for a failure code, by name. */
export const setupExitOf = (code: FailureCode): SetupExit => (isFlowCode(code) ? FLOW_FAILURES[code].setupExit : applianceFailure(code).setupExit);

/** alga-setup's exit status for a failure code. */
export const exitStatusOf = (code: FailureCode): number => SETUP_EXIT[setupExitOf(code)];

/** alga-create-tenant's exit codes. */
export const CREATE_TENANT_EXIT = {
  OK: 0,
  FAILED: 1,
  /** usage, or seeds that are missing, cut short or do not verify */
  USAGE: 2,
  /** the database is bootstrapped for another tenant */
  OTHER_TENANT: 3,
} as const;

/** alga-check-in's exit codes (what the failure table's CheckInOutcome leaves the appliance with). */
export const CHECKIN_EXIT = {
  OK: 0,
  FAILED: 1,
  /** usage, or the appliance is not bootstrapped */
  USAGE: 2,
  /** the service could not be reached (or stayed busy) and the license lapses within warnDays, or has */
  LICENSE_AT_RISK: 3,
  /** the service refused: tenant suspended, credential revoked or replaced, wrong appliance id */
  REFUSED: 4,
  /** the paid subscription lapsed: no new license; the appliance runs as ESSENTIALS once its token expires */
  ENTITLEMENT_LAPSED: 5,
  /** the service's answer did not verify (refreshed license or key document): nothing was stored */
  NOT_VERIFIED: 6,
} as const;

/** alga-license status's exit codes. */
export const STATUS_EXIT = {
  /** a verified license (or an essentials appliance, which needs none) */
  OK: 0,
  FAILED: 1,
  /** usage, or the appliance is not bootstrapped */
  USAGE: 2,
  /** the license expired and is honoured only within the offline grace: the check-in must refresh it */
  IN_GRACE: 3,
  /** the stored license is refused: the appliance runs as ESSENTIALS */
  REFUSED: 4,
} as const;
