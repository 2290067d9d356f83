// Appliance health, decided in one place (pure: no I/O, the caller passes the time). The fleet sweep
// (fleet-sweep.ts) stores its judgement on the appliance row, audits every change
// (appliance.health_changed) and sends the event; GraphQL, /metrics and the store CLI read the stored
// judgement.
//
//   HEALTHY  checked in within APPLIANCE_OVERDUE_HOURS (or, never having checked in, redeemed within it)
//   OVERDUE  no check-in for APPLIANCE_OVERDUE_HOURS, its license still valid
//   DARK     its license has expired and it has not checked in since (an offline appliance: its license
//            file ran out without a renewal)
//   OFFLINE  activated by a request file: judged by its renewal date, not by check-ins (while that date
//            is ahead, or a check-in renewed it later, it is OFFLINE or HEALTHY)
//   null     not tracked: no live credential (ESSENTIALS, revoked, retired, replaced by a reinstall)
import type { FleetRow } from "../data/fleet.js";
import type { ApplianceHealth } from "../generated/prisma/enums.js";

export type { ApplianceHealth };
export const APPLIANCE_HEALTHS = ["HEALTHY", "OVERDUE", "DARK", "OFFLINE"] as const satisfies readonly ApplianceHealth[];

/** What the judgement reads of an appliance: the columns the fleet sweep's batch selects. */
export type HealthFacts = Pick<FleetRow, "activationMode" | "licensed" | "licenseExpiresAt" | "lastCheckInAt" | "offlineRenewalDueAt" | "createdAt">;

export interface HealthPolicy {
  overdueAfterMs: number;
}

export function applianceHealth(a: HealthFacts, now: Date, policy: HealthPolicy): ApplianceHealth | null {
  if (!a.licensed) return null;
  const t = now.getTime();
  const recent = (d: Date | null) => d !== null && t - d.getTime() < policy.overdueAfterMs;
  if (a.activationMode === "OFFLINE") {
    // a check-in renews it like an online appliance: its own time then counts
    if (recent(a.lastCheckInAt)) return "HEALTHY";
    const due = a.offlineRenewalDueAt ?? a.licenseExpiresAt;
    return due !== null && t >= due.getTime() ? "DARK" : "OFFLINE";
  }
  if (a.licenseExpiresAt !== null && t >= a.licenseExpiresAt.getTime()) {
    // every check-in renews the license, so an expired one means no check-in since it was issued
    return "DARK";
  }
  return recent(a.lastCheckInAt ?? a.createdAt) ? "HEALTHY" : "OVERDUE";
}

/** Whether a change of judgement is worth an audit event and a webhook (a first judgement is a baseline). */
export const isHealthChange = (before: ApplianceHealth | null, after: ApplianceHealth | null): boolean => before !== null && after !== null && before !== after;
