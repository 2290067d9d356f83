// @alga-license/contract: what the control plane, the store client and the appliance tools share —
// error codes, the install-code format, the license format, the seed Secrets, the retry policy, the appliance's GraphQL
// operations, and the way commands are declared (cli/).
export * from "./errors.js";
export * from "./failures.js";
export * from "./install-code.js";
export * from "./license/index.js";
export * from "./retry-policy.js";
export * from "./seeds.js";
export * from "./offline/index.js";
export * from "./client/errors.js";
export * from "./client/retry.js";
export * from "./client/transport.js";
export * from "./cli/index.js";
export { CheckInDocument, InstallCodeStatusDocument, RedeemInstallCodeDocument } from "./generated/graphql.js";
export type {
  CheckInMutation,
  Edition,
  InstallCodeState,
  InstallCodeStatusQuery,
  RedeemInstallCodeMutation,
  TypedDocumentString,
} from "./generated/graphql.js";
