import { ActivationMode, DeploymentType, Edition, EntitlementStatus, SeatReportChain, TenantStatus } from "../generated/prisma/enums.js";
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
export const ActivationModeEnum = builder.enumType(ActivationMode, {
  name: "ActivationMode",
  description:
    "ONLINE: redeemed over the network, checks in. OFFLINE: activated by a request file, renewed by files (it may still check in once it has a network path).",
});
export const SeatReportChainEnum = builder.enumType(SeatReportChain, {
  name: "SeatReportChain",
  description:
    "Where a seat report sits in its appliance's hash chain: OK (follows the last one), FIRST (the first), GAP (a report is missing in between, or the chain restarted), " +
    "REPLAYED (a report recorded before came again: the request was refused).",
});
