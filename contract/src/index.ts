// @alga-license/contract: what the control plane, the store client and the appliance tools share —
// error codes, the install-code format, the seed Secrets, the retry policy, and the appliance's GraphQL
// operations.
export * from "./errors.js";
export * from "./install-code.js";
export * from "./retry-policy.js";
export * from "./seeds.js";
export * from "./offline/index.js";
export * from "./client/errors.js";
export * from "./client/transport.js";
export { CheckInDocument, InstallCodeStatusDocument, RedeemInstallCodeDocument } from "./generated/graphql.js";
export type {
  CheckInMutation,
  Edition,
  InstallCodeState,
  InstallCodeStatusQuery,
  RedeemInstallCodeMutation,
  TypedDocumentString,
} from "./generated/graphql.js";
