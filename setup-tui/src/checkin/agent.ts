// The daily check-in: refresh the license with the appliance credential and store the new token.
// When the service is down, keep the current token and report how long it stays valid; exit non-zero
// only when someone has to act (license about to lapse, credential refused, tenant suspended).
import pg from "pg";
import { backoffSeconds, isTransient } from "../explain.js";
import { checkIn, LicenseServiceError } from "../license-api.js";

export const CHECKIN_EXIT = { OK: 0, FAILED: 1, USAGE: 2, LICENSE_AT_RISK: 3, REFUSED: 4 } as const;

export interface AgentOptions {
  databaseUrl: string;
  applianceVersion?: string;
  /** attempts per run while the service is unreachable (default 4) */
  attempts?: number;
  /** base of the exponential backoff between attempts (default 1000 ms) */
  retryDelayMs?: number;
  /** below this many days of validity left, an unreachable service needs attention (default 7) */
  warnDays?: number;
  now?: () => Date;
}

export interface AgentReport {
  exitCode: number;
  status: "refreshed" | "essentials" | "kept-current-token" | "refused" | "not-bootstrapped";
  message: string;
  expiresAt?: string | null;
}

interface LicenseRow {
  tenant_id: string;
  edition: string;
  appliance_id: string | null;
  license_token: string | null;
  license_expires_at: Date | null;
  appliance_credential: string | null;
  check_in_url: string | null;
}

export async function runCheckIn(o: AgentOptions): Promise<AgentReport> {
  const now = o.now ?? (() => new Date());
  const db = new pg.Client({ connectionString: o.databaseUrl });
  await db.connect();
  try {
    const exists = await db.query("SELECT to_regclass('license_state') AS t");
    const row = exists.rows[0]?.t ? (await db.query<LicenseRow>("SELECT * FROM license_state LIMIT 1")).rows[0] : undefined;
    if (!row) return { exitCode: CHECKIN_EXIT.USAGE, status: "not-bootstrapped", message: "no license_state: run create-tenant first" };
    if (row.edition === "ESSENTIALS" || !row.appliance_credential || !row.check_in_url || !row.appliance_id) {
      return { exitCode: CHECKIN_EXIT.OK, status: "essentials", message: "essentials edition: no license to refresh" };
    }
    const attempts = o.attempts ?? 4;
    let lastError: LicenseServiceError | undefined;
    for (let n = 1; n <= attempts; n++) {
      try {
        const r = await checkIn(row.check_in_url, row.appliance_credential, row.appliance_id, o.applianceVersion);
        if (r.tenantId !== row.tenant_id) throw new LicenseServiceError("FORBIDDEN", `the service answered for tenant ${r.tenantId}, this appliance is ${row.tenant_id}`);
        await db.query(
          `UPDATE license_state SET license_token = $1, license_expires_at = $2, edition = $3, last_check_in_at = now(),
             last_check_in_error = NULL, updated_at = now() WHERE tenant_id = $4`,
          [r.token, r.expiresAt, r.edition, row.tenant_id],
        );
        return { exitCode: CHECKIN_EXIT.OK, status: "refreshed", message: `license refreshed, valid until ${r.expiresAt}`, expiresAt: r.expiresAt };
      } catch (err) {
        lastError = err instanceof LicenseServiceError ? err : new LicenseServiceError("INTERNAL_SERVER_ERROR", String(err));
        if (!isTransient(lastError.code)) break;
        if (n < attempts) await new Promise((r) => setTimeout(r, backoffSeconds(n) * (o.retryDelayMs ?? 1000)));
      }
    }
    const e = lastError!;
    await db.query("UPDATE license_state SET last_check_in_error = $1, updated_at = now() WHERE tenant_id = $2", [
      `${e.code}: ${e.message}`.slice(0, 500),
      row.tenant_id,
    ]);
    if (!isTransient(e.code)) {
      const action =
        e.code === "TENANT_SUSPENDED"
          ? "the organisation's license is suspended: contact your vendor"
          : "the license service refused this appliance's credential: contact your vendor (a re-issued install code re-binds the appliance)";
      return { exitCode: CHECKIN_EXIT.REFUSED, status: "refused", message: `${e.code}: ${action}`, expiresAt: row.license_expires_at?.toISOString() ?? null };
    }
    const left = row.license_expires_at ? row.license_expires_at.getTime() - now().getTime() : -1;
    const days = Math.floor(left / 86_400_000);
    const hours = Math.floor((left % 86_400_000) / 3_600_000);
    const validity = left <= 0 ? "the current license has EXPIRED" : `the current license stays valid for ${days}d ${hours}h (until ${row.license_expires_at!.toISOString()})`;
    const atRisk = left < (o.warnDays ?? 7) * 86_400_000;
    return {
      exitCode: atRisk ? CHECKIN_EXIT.LICENSE_AT_RISK : CHECKIN_EXIT.OK,
      status: "kept-current-token",
      message: `license service unreachable (${e.message}); kept the current token: ${validity}${atRisk ? " — restore connectivity to the license service" : "; the next daily run retries"}`,
      expiresAt: row.license_expires_at?.toISOString() ?? null,
    };
  } finally {
    await db.end();
  }
}
