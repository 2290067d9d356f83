// The appliance's license module, for the appliance application (`@alga-license/setup-tui/license`):
// verify a license offline against the pinned vendor keys, accept a key hand-over, and read the
// verified license state of this appliance.
export {
  acceptKeyHandover,
  CLOCK_TOLERANCE_SECONDS,
  DEFAULT_OFFLINE_GRACE_SECONDS,
  effectiveEdition,
  KEY_HANDOVER_TYPE,
  KeyTrustError,
  LICENSE_ALGORITHMS,
  parseVendorKeys,
  pinnedKeys,
  verifyLicense,
} from "./verify.js";
export type { HandoverTrust, KeyTrustProblem, LicenseCheck, LicenseClaims, LicenseEdition, LicenseProblem, VendorKeys, VerifyOptions } from "./verify.js";
export { licenseStatus, readLicenseStatus, renderStatus, STATUS_EXIT } from "./status.js";
export type { LicenseStatus, StatusOptions } from "./status.js";
