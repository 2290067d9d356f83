export { createStoreClient } from "./client.js";
export type {
  EntitlementChange,
  EntitlementHistoryEvent,
  OutboxEmail,
  FindTenantsOptions,
  RegisteredTenant,
  ReissuedInstallCode,
  StoreClient,
  StoreClientOptions,
  TenantDetails,
  TenantEntitlement,
  TenantPage,
} from "./client.js";
export { AlgaLicenseError, DOMAIN_ERROR_CODES, ERROR_CODES, isAlgaLicenseError } from "@alga-license/contract";
export type { AlgaLicenseErrorCode, AlgaLicenseErrorDetails, DomainErrorCode, ErrorCode } from "@alga-license/contract";
export type {
  CancelEntitlementInput,
  ChangeEntitlementEditionInput,
  DeploymentType,
  Edition,
  EntitlementStanding,
  EntitlementStatus,
  ExtendEntitlementInput,
  GrantEntitlementInput,
  MarkEntitlementPastDueInput,
  SetEntitlementSeatsInput,
  InstallCodeState,
  RegisterTenantInput,
  ReissueInstallCodeInput,
  TenantFilter,
  TenantStatus,
} from "./generated/graphql.js";
