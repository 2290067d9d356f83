// Databases on the suite's own PostgreSQL (global setup): a migrated clone of the run's template per
// probe, and the invariants that say "no half-written rows" after a probe.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import pg from "pg";

export const ADMIN_URL = () => {
  const url = process.env.RELIABILITY_ADMIN_URL;
  if (!url) throw new Error("RELIABILITY_ADMIN_URL is unset: run the suite with `npm run test:reliability`");
  return url;
};

export function withDatabase(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface ProbeDatabase {
  url: string;
  /** a small pool of the test's own, for setup and the checks after */
  pool: pg.Pool;
  drop(): Promise<void>;
}

/** Applies the migrations (prisma migrate deploy, as the chart's migration Job does). */
export function migrate(url: string): void {
  execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
}

/**
 * A fresh migrated database: a clone of the run's template on the suite's server, or (another server,
 * `adminUrl`) a new database migrated from scratch.
 */
export async function probeDatabase(label: string, adminUrl?: string): Promise<ProbeDatabase> {
  const name = `alga_rel_${label}_${randomBytes(3).toString("hex")}`;
  const server = adminUrl ?? ADMIN_URL();
  await adminQuery(server, adminUrl ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${process.env.RELIABILITY_TEMPLATE}`);
  const url = withDatabase(server, name);
  if (adminUrl) migrate(url);
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  pool.on("error", () => {}); // the outage probe stops the server under this pool
  return {
    url,
    pool,
    async drop() {
      await pool.end();
      await adminQuery(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    },
  };
}

/**
 * Rows a half-finished write would leave: each is a list of offending ids (empty = consistent).
 * Every use case writes its rows and its audit event in one transaction, so any of these is a defect.
 */
export async function halfWrittenRows(q: pg.Pool): Promise<Record<string, number>> {
  const checks: Record<string, string> = {
    "tenant without its registration audit": `SELECT t.tenant_id FROM tenant_registry t WHERE NOT EXISTS (SELECT 1 FROM audit_event a WHERE a.tenant_id = t.tenant_id AND a.action = 'tenant.registered')`,
    "tenant without an install code": `SELECT t.tenant_id FROM tenant_registry t WHERE NOT EXISTS (SELECT 1 FROM install_code c WHERE c.tenant_id = t.tenant_id)`,
    "paid tenant without entitlement": `SELECT t.tenant_id FROM tenant_registry t WHERE t.edition <> 'ESSENTIALS' AND NOT EXISTS (SELECT 1 FROM entitlement e WHERE e.tenant_id = t.tenant_id)`,
    "install code without its email": `SELECT c.id FROM install_code c WHERE NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.tenant_id = c.tenant_id)`,
    "consumed code without an appliance": `SELECT c.id FROM install_code c WHERE c.consumed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM appliance a WHERE a.tenant_id = c.tenant_id AND a.appliance_id = c.consumed_by)`,
    "consumed code without its redemption audit": `SELECT c.id FROM install_code c WHERE c.consumed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_event a WHERE a.action = 'install_code.redeemed' AND a.details->>'installCodeId' = c.id::text)`,
    "redemption audit whose code is not consumed": `SELECT a.id FROM audit_event a JOIN install_code c ON c.id::text = a.details->>'installCodeId' WHERE a.action = 'install_code.redeemed' AND c.consumed_at IS NULL`,
    "appliance license without its audit (redeem, replay or check-in)": `SELECT p.id FROM appliance p WHERE p.license_jti IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_event a WHERE a.tenant_id = p.tenant_id AND a.action IN ('appliance.checked_in', 'install_code.redeemed', 'install_code.redemption_replayed') AND a.details->>'licenseJti' = p.license_jti)`,
    "check-in audit without the tenant's check-in time": `SELECT a.id FROM audit_event a JOIN tenant_registry t ON t.tenant_id = a.tenant_id WHERE a.action = 'appliance.checked_in' AND (t.last_check_in_at IS NULL OR t.last_check_in_at < a.created_at)`,
  };
  const out: Record<string, number> = {};
  for (const [name, sql] of Object.entries(checks)) out[name] = (await q.query(sql)).rowCount ?? 0;
  return out;
}
