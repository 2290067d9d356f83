import { DeploymentType, Edition, EntitlementStatus, TenantStatus } from "../generated/prisma/enums.js";
import { builder } from "./builder.js";

export const EditionEnum = builder.enumType(Edition, {
  name: "Edition",
  description: "ESSENTIALS is free: no entitlement, no license token.",
});
export const DeploymentTypeEnum = builder.enumType(DeploymentType, { name: "DeploymentType" });
export const TenantStatusEnum = builder.enumType(TenantStatus, { name: "TenantStatus" });
export const EntitlementStatusEnum = builder.enumType(EntitlementStatus, { name: "EntitlementStatus" });
export const InstallCodeStateEnum = builder.enumType("InstallCodeState", {
  values: ["ISSUED", "CONSUMED", "EXPIRED", "REVOKED"] as const,
});
