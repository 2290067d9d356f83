export { createStoreClient } from "./client.js";
export type {
  FindTenantsOptions,
  RegisteredTenant,
  ReissuedInstallCode,
  StoreClient,
  StoreClientOptions,
  TenantDetails,
  TenantPage,
} from "./client.js";
export { AlgaLicenseError, DOMAIN_ERROR_CODES, isAlgaLicenseError } from "./errors.js";
export type { AlgaLicenseErrorCode, AlgaLicenseErrorDetails, DomainErrorCode } from "./errors.js";
export type {
  DeploymentType,
  Edition,
  InstallCodeState,
  RegisterTenantInput,
  ReissueInstallCodeInput,
  TenantFilter,
  TenantStatus,
} from "./generated/graphql.js";
