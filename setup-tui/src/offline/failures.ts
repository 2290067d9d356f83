// What goes wrong with an offline file on the appliance, and the way out: one code, the same words on
// the console and in the --json document (offline-request, offline-apply, renewal-request, import).
// The exit status follows from the code, by the one mapping every appliance command uses
// (failure-exits.ts: the contract's failure table and the appliance's own codes).
import { OfflineFormatError, type OfflineFormatErrorReason } from "@alga-license/contract";
import type { Explanation } from "@alga-license/contract";
import { exitStatusOf, type FailureCode } from "../failure-exits.js";

/** A refusal of an offline step: its code (whose exit is failure-exits.ts') and the way out. */
export class OfflineFailure extends Error {
  constructor(
    readonly code: FailureCode,
    readonly explanation: Explanation,
  ) {
    super(explanation.detail);
    this.name = "OfflineFailure";
  }

  get exitCode(): number {
    return exitStatusOf(this.code);
  }
}

const NEW_REQUEST = "Make a new request on this appliance (alga-setup offline-request, or alga-license renewal-request) and have the vendor answer that one.";

/** An OfflineFormatError from reading a response, as the appliance explains it. */
export function responseFailure(err: OfflineFormatError, file: string): OfflineFailure {
  const r: OfflineFormatErrorReason = err.reason;
  switch (r) {
    case "BAD_SIGNATURE":
      return new OfflineFailure("OFFLINE_RESPONSE_NOT_VERIFIED", {
        title: "The response file does not verify",
        detail: `${file}: ${err.message}`,
        action: "Use the response file exactly as the vendor sent it (it must not be edited); if it was damaged on the way, ask the vendor to send it again.",
      });
    case "UNKNOWN_KEY":
      return new OfflineFailure("OFFLINE_RESPONSE_NOT_VERIFIED", {
        title: "The response is not signed by a key this appliance trusts",
        detail: `${file}: ${err.message}`,
        action:
          "Check that the response comes from your vendor; if the vendor changed keys, the response must carry their hand-over (ask for the response again).",
      });
    case "WRONG_APPLIANCE":
      return new OfflineFailure("WRONG_APPLIANCE", {
        title: "The response is for another appliance",
        detail: `${file}: ${err.message}`,
        action: NEW_REQUEST,
      });
    case "WRONG_KEY":
      return new OfflineFailure("APPLIANCE_KEY_MISMATCH", {
        title: "The response is bound to another appliance key",
        detail: `${file}: ${err.message}`,
        action: NEW_REQUEST,
      });
    case "WRONG_NONCE":
      return new OfflineFailure("STALE_OFFLINE_RESPONSE", {
        title: "The response answers another request",
        detail: `${file}: ${err.message}`,
        action: `A response is accepted once, for the latest request. ${NEW_REQUEST}`,
      });
    case "NEWER_VERSION":
      return new OfflineFailure("NEWER_OFFLINE_FORMAT", {
        title: "The response was made by a newer tool",
        detail: `${file}: ${err.message}`,
        action: "Update the appliance tools, then apply the response again.",
      });
    default:
      return new OfflineFailure("INVALID_OFFLINE_FILE", {
        title: "That is not a response file for this step",
        detail: `${file}: ${err.message}`,
        action: "Give the file the vendor sent back for this appliance's request (alga-store activate-offline / renew-offline writes it).",
      });
  }
}

export const noPendingRequest = (kind: "activation" | "renewal", file: string) =>
  new OfflineFailure("NO_PENDING_REQUEST", {
    title: "No request is waiting for this response",
    detail: `${file}: this appliance has no pending ${kind} request: the response was applied already (a replay), or the request was made on another machine.`,
    action:
      kind === "activation"
        ? "If the appliance is set up already, nothing is needed (alga-create-tenant reads the seeds written). Otherwise run alga-setup offline-request and have the vendor answer that request."
        : "Check alga-license status: if the license is current, nothing is needed. Otherwise run alga-license renewal-request and have the vendor answer that request.",
  });

export const notVerified = (file: string, why: string) =>
  new OfflineFailure("OFFLINE_RESPONSE_NOT_VERIFIED", {
    title: "The response's license or keys did not verify",
    detail: `${file}: ${why}. Nothing was applied.`,
    action:
      "Use the response file exactly as the vendor sent it; check that it comes from your vendor (ALGA_VENDOR_KEYS are the keys shipped with this appliance).",
  });

/** Any failure of an offline command as code, exit status and explanation. */
export function describeOfflineFailure(err: unknown): { code: FailureCode; exitCode: number; explanation: Explanation } {
  if (err instanceof OfflineFailure) return { code: err.code, exitCode: err.exitCode, explanation: err.explanation };
  if (err instanceof OfflineFormatError) {
    const f = responseFailure(err, "the file");
    return { code: f.code, exitCode: f.exitCode, explanation: f.explanation };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    code: "FAILED",
    exitCode: exitStatusOf("FAILED"),
    explanation: { title: "Something went wrong", detail: message, action: "Try again; if it persists, contact your vendor." },
  };
}
