// What a failure means and the way out, in the words the operator and the vendor's portal use. The
// wizard, the non-interactive mode and connect say the same things.
import type { LicenseErrorCode, LicenseServiceError } from "./license-api.js";

export const REISSUE_HINT = "Ask your vendor to re-issue an install code (customer portal: Appliances > Re-issue install code).";

export interface Explanation {
  title: string;
  detail: string;
  action: string;
}

const seconds = (e?: LicenseServiceError) => (e?.retryAfterSeconds !== undefined ? ` in ${e.retryAfterSeconds} seconds` : " in a little while");

export function explain(code: LicenseErrorCode, error?: LicenseServiceError): Explanation {
  const message = error?.message ?? "";
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
    case "SEAT_LIMIT_REACHED":
      return { title: "All licensed appliances are in use", detail: message, action: "Ask your vendor to retire an appliance or add a seat; the code was not used." };
    case "RATE_LIMITED":
      return { title: "Too many attempts", detail: message || "Too many failed attempts from this address.", action: `The code itself may be fine: try again${seconds(error)}.` };
    case "SERVICE_BUSY":
      return { title: "License service busy", detail: "The license service is shedding load; nothing was changed.", action: `Retry${seconds(error)}.` };
    case "SERVICE_UNAVAILABLE":
      return { title: "License service unavailable", detail: "The license service cannot reach its database; nothing was changed.", action: `Retry${seconds(error)}.` };
    case "UNREACHABLE":
      return { title: "License service unreachable", detail: message, action: "Check the network and the license service URL; the install is blocked until it answers." };
    case "BAD_RESPONSE":
      return { title: "That is not the license service", detail: message, action: "Check the license service URL." };
    case "BAD_USER_INPUT":
      if (error?.extensions.reason === "OTHER_TENANT") {
        return { title: "The code belongs to another organisation", detail: message, action: "Use an install code issued for this appliance's organisation; this one was not used." };
      }
      return { title: "The license service refused the request", detail: message, action: "Check the input; if it persists, contact your vendor." };
    default:
      return { title: "The license service refused the request", detail: message, action: "Try again; if it persists, contact your vendor." };
  }
}
