// What the appliance is licensed for right now, verified offline from license_state: the edition it
// runs as, the features (e.g. MOBILE_ACCESS), expiry and offline grace, the last check-in, and why a
// stored license is refused (forged, another tenant's, expired past grace). The appliance application
// reads its license through this (or verifyLicense directly); `alga-license status` prints it.
import type { JWK } from "jose";
import type pg from "pg";
import { readLicenseState, withApplianceDb } from "../bootstrap/appliance-schema.js";
import { STATUS_EXIT } from "../failure-exits.js";
import { duration, skewWarning } from "./clock.js";
import { applianceTrust, storedLicense, trustMessage } from "./trust.js";
import { CLOCK_TOLERANCE_SECONDS, DEFAULT_OFFLINE_GRACE_SECONDS, effectiveEdition, type LicenseCheck, type LicenseEdition } from "./verify.js";

export { STATUS_EXIT };

export interface LicenseStatus {
  exitCode: number;
  bootstrapped: boolean;
  tenantId?: string;
  companyName?: string;
  applianceId?: string | null;
  /** what the appliance runs as: the verified license's edition, else ESSENTIALS */
  edition: LicenseEdition;
  /** the edition recorded at install / last check-in (before verification) */
  recordedEdition?: string;
  features: string[];
  licensed: boolean;
  expiresAt?: string | null;
  graceEndsAt?: string | null;
  verification: { result: "valid" | "in-grace" | "refused" | "no-license"; reason?: string; message: string };
  /** offline: the license was last renewed by file (alga-license import), else online; renewalPending: a renewal request waits for its response */
  activation?: { mode: "online" | "offline"; renewalPending: boolean };
  lastCheckInAt?: string | null;
  lastCheckInOutcome?: string | null;
  lastCheckInError?: string | null;
  vendorKeys?: { issuer: string; kids: string[]; updatedAt: string | null } | null;
  /** where the pinned keys' trust comes from: the root shipped with the appliance, or first use (unanchored) */
  trust?: { anchored: boolean; verified: boolean; documents: number; message: string };
  /** the appliance's clock against the newest server-signed time it has seen */
  clock?: { appliance: string; serviceTimeFloor: string | null; behindSeconds: number; lastCheckInSkewSeconds: number | null; message: string | null };
}

export interface StatusOptions {
  graceSeconds?: number;
  /** the appliance's clock */
  now?: Date;
  /** the root: vendor keys shipped with the appliance (ALGA_VENDOR_KEYS) */
  vendorKeys?: JWK[] | null;
}

function clockStatus(clock: Date, floor: Date | null, check: LicenseCheck | null, skew: number | null): NonNullable<LicenseStatus["clock"]> {
  const judged = Math.max(floor?.getTime() ?? 0, check?.judgedAt?.getTime() ?? 0);
  const behind = Math.max(0, Math.round((judged - clock.getTime()) / 1000));
  const message =
    behind > CLOCK_TOLERANCE_SECONDS
      ? `this appliance's clock is at least ${duration(behind)} behind the newest server-signed time it has seen (${new Date(judged).toISOString()}): licenses are judged by that time; set the clock right (NTP)`
      : skew !== null && skewWarning(skew)
        ? `at the last check-in ${skewWarning(skew)}`
        : null;
  return { appliance: clock.toISOString(), serviceTimeFloor: floor?.toISOString() ?? null, behindSeconds: behind, lastCheckInSkewSeconds: skew, message };
}

export async function readLicenseStatus(client: pg.ClientBase, o: StatusOptions = {}): Promise<LicenseStatus> {
  const row = await readLicenseState(client);
  if (!row) {
    return {
      exitCode: STATUS_EXIT.USAGE,
      bootstrapped: false,
      edition: "ESSENTIALS",
      features: [],
      licensed: false,
      verification: { result: "no-license", message: "this appliance is not bootstrapped yet (no license_state): run create-tenant" },
    };
  }
  const clock = o.now ?? new Date();
  const trust = await applianceTrust(row, o.vendorKeys);
  const pins = trust.pins;
  const check = await storedLicense(row, trust, { clock, graceSeconds: o.graceSeconds ?? DEFAULT_OFFLINE_GRACE_SECONDS });
  const common = {
    bootstrapped: true,
    tenantId: row.tenant_id,
    companyName: row.company_name,
    applianceId: row.appliance_id,
    recordedEdition: row.edition,
    activation: { mode: row.activation_mode === "offline" ? ("offline" as const) : ("online" as const), renewalPending: !!row.offline_pending },
    lastCheckInAt: row.last_check_in_at?.toISOString() ?? null,
    lastCheckInOutcome: row.last_check_in_outcome ?? null,
    lastCheckInError: row.last_check_in_error ?? null,
    vendorKeys: pins ? { issuer: pins.issuer, kids: pins.keys.map((k) => k.kid ?? "?"), updatedAt: row.keys_updated_at?.toISOString() ?? null } : null,
    trust: { anchored: trust.anchored, verified: !trust.problem && !!trust.chain, documents: trust.chain?.links.length ?? 0, message: trustMessage(trust) },
    clock: clockStatus(clock, trust.floor, check, trust.skewSeconds),
  };
  if (!check) {
    const paidWithoutToken = row.edition !== "ESSENTIALS";
    return {
      ...common,
      exitCode: paidWithoutToken ? STATUS_EXIT.REFUSED : STATUS_EXIT.OK,
      edition: "ESSENTIALS",
      features: [],
      licensed: false,
      verification: paidWithoutToken
        ? { result: "refused", reason: "NO_LICENSE", message: `${row.edition} is recorded but no license is stored: the appliance runs as ESSENTIALS` }
        : { result: "no-license", message: "essentials edition: no license needed" },
    };
  }
  if (!check.ok) {
    return {
      ...common,
      exitCode: STATUS_EXIT.REFUSED,
      edition: "ESSENTIALS",
      features: [],
      licensed: false,
      expiresAt: check.claims?.exp ? new Date(check.claims.exp * 1000).toISOString() : (row.license_expires_at?.toISOString() ?? null),
      verification: { result: "refused", reason: check.reason, message: `${check.message}; the appliance runs as ESSENTIALS` },
    };
  }
  return {
    ...common,
    exitCode: check.state === "valid" ? STATUS_EXIT.OK : STATUS_EXIT.IN_GRACE,
    edition: effectiveEdition(check),
    features: check.claims.features,
    licensed: true,
    expiresAt: check.expiresAt.toISOString(),
    graceEndsAt: check.graceEndsAt.toISOString(),
    verification: { result: check.state, message: check.message },
  };
}

export const licenseStatus = (databaseUrl: string, o: StatusOptions = {}) => withApplianceDb(databaseUrl, (client) => readLicenseStatus(client, o));

/** The status as an operator reads it. */
export function renderStatus(s: LicenseStatus): string {
  if (!s.bootstrapped) return `license: ${s.verification.message}`;
  const lines = [
    `tenant:        ${s.tenantId} (${s.companyName})`,
    `appliance:     ${s.applianceId ?? "-"}`,
    `edition:       ${s.edition}${s.recordedEdition && s.recordedEdition !== s.edition ? ` (recorded: ${s.recordedEdition})` : ""}`,
    `features:      ${s.features.length ? s.features.join(", ") : "-"}`,
    `expires:       ${s.expiresAt ?? "-"}${s.graceEndsAt ? ` (offline grace until ${s.graceEndsAt})` : ""}`,
    `verification:  ${s.verification.result === "refused" ? "REFUSED — " : ""}${s.verification.message}`,
    `last check-in: ${s.lastCheckInAt ?? "never"}${s.lastCheckInOutcome ? ` (${s.lastCheckInOutcome})` : ""}`,
  ];
  if (s.activation?.mode === "offline") {
    lines.push(
      `activation:    offline: renewed by file (alga-license renewal-request, then import)${s.activation.renewalPending ? "; a renewal request is waiting for its response" : ""}`,
    );
  }
  if (s.lastCheckInError) lines.push(`  last error:  ${s.lastCheckInError}`);
  if (s.vendorKeys) lines.push(`vendor keys:   ${s.vendorKeys.kids.join(", ")} from ${s.vendorKeys.issuer}`);
  if (s.trust) lines.push(`key trust:     ${s.trust.message}`);
  if (s.clock?.message) lines.push(`clock:         ${s.clock.message}`);
  return lines.join("\n");
}
