// What a failure means and the way out, in the words the operator and the vendor's portal use.
import type { LicenseErrorCode } from "./license-api.js";

export const REISSUE_HINT = "Ask your vendor to re-issue an install code (customer portal: Appliances > Re-issue install code).";

export interface Explanation {
  title: string;
  detail: string;
  action: string;
}

export function explain(code: LicenseErrorCode, message = ""): Explanation {
  switch (code) {
    case "INVALID_INSTALL_CODE":
      return { title: "Install code not recognised", detail: "The license service does not know this code.", action: `Check it against the email. ${REISSUE_HINT}` };
    case "EXPIRED_INSTALL_CODE":
      return { title: "Install code expired", detail: "Install codes are valid for a limited time.", action: REISSUE_HINT };
    case "CONSUMED_INSTALL_CODE":
      return { title: "Install code already used", detail: "Each install code works once; this one was redeemed before.", action: REISSUE_HINT };
    case "REVOKED_INSTALL_CODE":
      return { title: "Install code revoked", detail: "A newer code was issued for your organisation.", action: `Use the newest code from your email. ${REISSUE_HINT}` };
    case "TENANT_SUSPENDED":
      return { title: "Organisation suspended", detail: "The license for your organisation is suspended.", action: "Contact your vendor." };
    case "RATE_LIMITED":
      return { title: "Too many attempts", detail: message || "Too many failed attempts from this address.", action: "Wait, then try again." };
    case "UNREACHABLE":
      return { title: "License service unreachable", detail: message, action: "Check the network and the license service URL; the install is blocked until it answers." };
    default:
      return { title: "The license service refused the request", detail: message, action: "Try again; if it persists, contact your vendor." };
  }
}

/** Failures worth retrying on their own: the service did not answer or had an internal error. */
export const isTransient = (code: LicenseErrorCode) => code === "UNREACHABLE" || code === "INTERNAL_SERVER_ERROR";

export const backoffSeconds = (attempt: number) => Math.min(2 ** (attempt - 1), 30);
