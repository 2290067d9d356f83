// The appliance's license module, for the appliance application (`@alga-license/setup-tui/license`):
// verify a license offline against the pinned vendor keys, accept and re-verify the chain of key
// hand-over documents from the root, judge time by what the vendor signed, and read the verified
// license state of this appliance.
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
export { chainTip, extendKeyChain, verifyKeyChain } from "./chain.js";
export type { ExtendOptions, KeyChain } from "./chain.js";
export { serviceTime, timeFloor } from "./clock.js";
export { applianceTrust, isNewerLicense, storedLicense } from "./trust.js";
export type { ApplianceTrust } from "./trust.js";
export { licenseStatus, readLicenseStatus, renderStatus, STATUS_EXIT } from "./status.js";
export type { LicenseStatus, StatusOptions } from "./status.js";
