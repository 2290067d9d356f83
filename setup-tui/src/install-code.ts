// The console checks the code's format and check symbol locally before spending a rate-limited
// attempt. Same module as the API's, so both sides agree on the format.
export { canonicalizeInstallCode, checkInstallCode, CODE_LENGTH, formatInstallCode } from "../../api/src/domain/install-code-format.js";
