// The console checks the code's format and check symbol locally before spending a rate-limited
// attempt, with the contract's definition of the format (the API mints with the same one).
export { canonicalizeInstallCode, checkInstallCode, CODE_LENGTH, describeInstallCodeProblem, formatInstallCode } from "@alga-license/contract";
