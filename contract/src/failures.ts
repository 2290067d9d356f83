// What every failure means on every surface, in one table: for each contract error code the
// appliance's explanation (the wizard, the non-interactive setup and connect say the same words), the
// alga-setup exit code, the alga-check-in outcome and the alga-store exit code. The table is a
// Record over ErrorCode: a new code in errors.ts does not compile until its row says what every side
// does with it. The exit codes' numbers are each tool's (README "Exit codes"); the rows name them.
import type { AlgaLicenseErrorCode } from "./client/errors.js";
import type { ErrorCode } from "./errors.js";

/** What a failure means and the way out, in the words the operator and the vendor's portal use. */
export interface Explanation {
  title: string;
  detail: string;
  action: string;
}

/** What the explanation may draw on: the service's message, its extensions, the wait it asked for. */
export interface FailureContext {
  message: string;
  extensions?: Record<string, unknown>;
  retryAfterSeconds?: number;
  /** the check-in's appliance id (for the check-in agent's words) */
  applianceId?: string | null;
}

/** alga-setup (and connect) exit codes by name; the numbers are setup-tui's SETUP_EXIT. */
export type SetupExit =
  | "FAILED"
  | "USAGE"
  | "MALFORMED_CODE"
  | "CODE_REFUSED"
  | "TENANT_SUSPENDED"
  | "UNREACHABLE"
  | "APPLY_FAILED"
  | "RATE_LIMITED"
  | "NOT_VERIFIED"
  | "NOT_BOOTSTRAPPED"
  /** an offline response file that does not answer the appliance's pending request */
  | "NOT_FOR_THIS_REQUEST";

/** alga-store exit codes by name; the numbers are store-client's EXIT. */
export type StoreExit = "FAILED" | "USAGE" | "NOT_FOUND" | "AMBIGUOUS" | "AUTH" | "UNREACHABLE" | "REFUSED";

/**
 * What alga-check-in does after the failure:
 * keep — the service did not decide (no answer, busy, down, a masked error): keep the current token
 *   and say how long it lasts (`keep` names what happened); the wizard's code check may go on unchecked;
 * lapsed — the paid subscription lapsed: no new license, the appliance runs as ESSENTIALS later;
 * refused — the service refused this appliance: someone has to act (`say`: the operator's words,
 *   default the service's message).
 */
export type CheckInOutcome = { keep: string } | { outcome: "lapsed" } | { outcome: "refused"; say?: (c: FailureContext) => string };

/** One failure as the appliance tools handle it. */
export interface ApplianceFailure {
  explain: (c: FailureContext) => Explanation;
  setupExit: SetupExit;
  checkIn: CheckInOutcome;
}

/** One contract error code on every surface. */
export interface Failure extends ApplianceFailure {
  storeExit: StoreExit;
}

export const REISSUE_HINT = "Ask your vendor to re-issue an install code (customer portal: Appliances > Re-issue install code).";

const later = (c: FailureContext) => (c.retryAfterSeconds !== undefined ? ` in ${c.retryAfterSeconds} seconds` : " in a little while");
const said =
  (title: string, action: string) =>
  (c: FailureContext): Explanation => ({ title, detail: c.message, action });
const fixed = (e: Explanation) => (): Explanation => e;
const refusedRequest = said("The license service refused the request", "Try again; if it persists, contact your vendor.");
const refused: CheckInOutcome = { outcome: "refused" };

export const FAILURES: Record<ErrorCode, Failure> = {
  INVALID_INSTALL_CODE: {
    explain: fixed({
      title: "Install code not recognised",
      detail: "The license service does not know this code.",
      action: `Check it against the email. ${REISSUE_HINT}`,
    }),
    setupExit: "CODE_REFUSED",
    checkIn: refused,
    storeExit: "REFUSED",
  },
  EXPIRED_INSTALL_CODE: {
    explain: fixed({ title: "Install code expired", detail: "Install codes are valid for a limited time.", action: REISSUE_HINT }),
    setupExit: "CODE_REFUSED",
    checkIn: refused,
    storeExit: "REFUSED",
  },
  CONSUMED_INSTALL_CODE: {
    explain: fixed({ title: "Install code already used", detail: "Each install code works once; this one was redeemed before.", action: REISSUE_HINT }),
    setupExit: "CODE_REFUSED",
    checkIn: refused,
    storeExit: "REFUSED",
  },
  REVOKED_INSTALL_CODE: {
    explain: fixed({
      title: "Install code revoked",
      detail: "A newer code was issued for your organisation.",
      action: `Use the newest code from your email. ${REISSUE_HINT}`,
    }),
    setupExit: "CODE_REFUSED",
    checkIn: refused,
    storeExit: "REFUSED",
  },
  TENANT_NOT_FOUND: { explain: refusedRequest, setupExit: "FAILED", checkIn: refused, storeExit: "NOT_FOUND" },
  AMBIGUOUS_TENANT: { explain: refusedRequest, setupExit: "FAILED", checkIn: refused, storeExit: "AMBIGUOUS" },
  APPLIANCE_NOT_FOUND: { explain: refusedRequest, setupExit: "FAILED", checkIn: refused, storeExit: "NOT_FOUND" },
  TENANT_SUSPENDED: {
    explain: fixed({ title: "Organisation suspended", detail: "The license for your organisation is suspended.", action: "Contact your vendor." }),
    setupExit: "TENANT_SUSPENDED",
    checkIn: { outcome: "refused", say: () => "the organisation's license is suspended: contact your vendor" },
    storeExit: "REFUSED",
  },
  ENTITLEMENT_LAPSED: { explain: refusedRequest, setupExit: "FAILED", checkIn: { outcome: "lapsed" }, storeExit: "REFUSED" },
  SEAT_LIMIT_REACHED: {
    explain: said("All licensed appliances are in use", "Ask your vendor to retire an appliance or add a seat; the code was not used."),
    setupExit: "CODE_REFUSED",
    checkIn: refused,
    storeExit: "FAILED",
  },
  // the offline exchange (alga-store activate-offline / renew-offline): the appliance tools meet them
  // only as words relayed from support, never as an answer of their own (but APPLIANCE_KEY_MISMATCH,
  // which offline-apply and import say of a response bound to another key)
  INVALID_OFFLINE_REQUEST: {
    explain: said(
      "The request file cannot be used",
      "Write a new request on the appliance (alga-setup offline-request or alga-license renewal-request) and send that file unchanged.",
    ),
    setupExit: "FAILED",
    checkIn: refused,
    storeExit: "USAGE",
  },
  STALE_OFFLINE_REQUEST: {
    explain: said("The request file is too old or dated ahead", "Check the appliance's clock, write a new request on the appliance and send it."),
    setupExit: "FAILED",
    checkIn: refused,
    storeExit: "REFUSED",
  },
  REPLAYED_OFFLINE_REQUEST: {
    explain: said("This request file was answered before", "Apply the response already sent for it, or write a new request on the appliance."),
    setupExit: "FAILED",
    checkIn: refused,
    storeExit: "REFUSED",
  },
  APPLIANCE_KEY_MISMATCH: {
    explain: said(
      "The request is signed by another appliance key",
      "Write the request on the appliance that was activated; a replaced machine needs a re-issued install code.",
    ),
    // the appliance meets it too: a response file bound to another appliance key
    setupExit: "NOT_FOR_THIS_REQUEST",
    checkIn: refused,
    storeExit: "REFUSED",
  },
  UNAUTHENTICATED: {
    explain: refusedRequest,
    setupExit: "FAILED",
    checkIn: {
      outcome: "refused",
      say: () =>
        "the license service did not accept this appliance's credential: it was revoked or replaced (a reinstall, " +
        "or another appliance took this license's seat), or the service no longer knows it. Re-bind this appliance with a re-issued install code: alga-setup connect",
    },
    storeExit: "AUTH",
  },
  FORBIDDEN: {
    explain: refusedRequest,
    setupExit: "FAILED",
    checkIn: {
      outcome: "refused",
      say: (c) => `the license service refused the check-in for appliance id ${c.applianceId}: the credential belongs to another appliance id`,
    },
    storeExit: "AUTH",
  },
  BAD_USER_INPUT: {
    explain: (c) =>
      c.extensions?.reason === "OTHER_TENANT"
        ? {
            title: "The code belongs to another organisation",
            detail: c.message,
            action: "Use an install code issued for this appliance's organisation; this one was not used.",
          }
        : { title: "The license service refused the request", detail: c.message, action: "Check the input; if it persists, contact your vendor." },
    setupExit: "CODE_REFUSED",
    checkIn: refused,
    storeExit: "USAGE",
  },
  RATE_LIMITED: {
    explain: (c) => ({
      title: "Too many attempts",
      detail: c.message || "Too many failed attempts from this address.",
      action: `The code itself may be fine: try again${later(c)}.`,
    }),
    setupExit: "RATE_LIMITED",
    checkIn: refused,
    storeExit: "REFUSED",
  },
  SERVICE_BUSY: {
    explain: (c) => ({ title: "License service busy", detail: "The license service is shedding load; nothing was changed.", action: `Retry${later(c)}.` }),
    setupExit: "UNREACHABLE",
    checkIn: { keep: "license service busy" },
    storeExit: "UNREACHABLE",
  },
  SERVICE_UNAVAILABLE: {
    explain: (c) => ({
      title: "License service unavailable",
      detail: "The license service cannot reach its database; nothing was changed.",
      action: `Retry${later(c)}.`,
    }),
    setupExit: "UNREACHABLE",
    checkIn: { keep: "license service unreachable" },
    storeExit: "UNREACHABLE",
  },
  INTERNAL_SERVER_ERROR: { explain: refusedRequest, setupExit: "FAILED", checkIn: { keep: "license service unreachable" }, storeExit: "FAILED" },
};

/**
 * What the appliance meets before any contract answer:
 * UNREACHABLE — no answer (refused, reset, DNS, timeout, a proxy's 5xx);
 * BAD_RESPONSE — an answer that is not the license service's (wrong URL, a proxy's 404 page).
 */
export type NoAnswerCode = "UNREACHABLE" | "BAD_RESPONSE";

export const NO_ANSWER_FAILURES: Record<NoAnswerCode, ApplianceFailure> = {
  UNREACHABLE: {
    explain: said("License service unreachable", "Check the network and the license service URL; the install is blocked until it answers."),
    setupExit: "UNREACHABLE",
    checkIn: { keep: "license service unreachable" },
  },
  BAD_RESPONSE: {
    explain: said("That is not the license service", "Check the license service URL."),
    setupExit: "UNREACHABLE",
    checkIn: { keep: "unexpected answer from the license service" },
  },
};

/** A failure code the appliance tools handle: a contract code or one met before any answer. */
export type ApplianceFailureCode = ErrorCode | NoAnswerCode;

/** How the appliance names a call's failure: no answer at all (network, timeout, a proxy's HTTP error) is UNREACHABLE. */
export const applianceCodeOf = (code: AlgaLicenseErrorCode): ApplianceFailureCode =>
  code === "NETWORK_ERROR" || code === "TIMEOUT" || code === "HTTP_ERROR" ? "UNREACHABLE" : code;

export const applianceFailure = (code: ApplianceFailureCode): ApplianceFailure =>
  code === "UNREACHABLE" || code === "BAD_RESPONSE" ? NO_ANSWER_FAILURES[code] : FAILURES[code];

/** The appliance's explanation of a failure. */
export const explainFailure = (code: ApplianceFailureCode, c: FailureContext = { message: "" }): Explanation => applianceFailure(code).explain(c);

/** The service did not decide (no answer, busy, down, masked): the same request may pass later unchanged. */
export const undecided = (code: ApplianceFailureCode): boolean => "keep" in applianceFailure(code).checkIn;
