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
export { AlgaLicenseError, DOMAIN_ERROR_CODES, ERROR_CODES, isAlgaLicenseError } from "@alga-license/contract";
export type { AlgaLicenseErrorCode, AlgaLicenseErrorDetails, DomainErrorCode, ErrorCode } from "@alga-license/contract";
export type {
  DeploymentType,
  Edition,
  InstallCodeState,
  RegisterTenantInput,
  ReissueInstallCodeInput,
  TenantFilter,
  TenantStatus,
} from "./generated/graphql.js";
