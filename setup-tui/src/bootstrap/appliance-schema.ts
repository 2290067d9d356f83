// The appliance's own small schema (tenants, users, license_state) and the typed reads and writes of
// license_state the appliance tools share. The DDL is idempotent (columns added later carry
// ADD COLUMN IF NOT EXISTS, so an older appliance database is brought up to date by any writer).
import pg from "pg";

export const APPLIANCE_SCHEMA = `
CREATE TABLE IF NOT EXISTS tenants (
  tenant_id    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_name text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS users (
  user_id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id     uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  email         text NOT NULL,
  password_hash text NOT NULL,
  role          text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, email)
);
CREATE TABLE IF NOT EXISTS license_state (
  tenant_id            uuid PRIMARY KEY REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  edition              text NOT NULL,
  appliance_id         text,
  license_token        text,
  license_expires_at   timestamptz,
  appliance_credential text,
  check_in_url         text,
  last_check_in_at     timestamptz,
  last_check_in_error  text,
  updated_at           timestamptz NOT NULL DEFAULT now()
);
-- the license service's base URL (key hand-over document, connect)
ALTER TABLE license_state ADD COLUMN IF NOT EXISTS license_url text;
-- the vendor's key hand-over document whose keys this appliance pins (a General JWS)
ALTER TABLE license_state ADD COLUMN IF NOT EXISTS vendor_keys jsonb;
ALTER TABLE license_state ADD COLUMN IF NOT EXISTS keys_updated_at timestamptz;
-- when the code behind this state was redeemed: a bootstrap only applies a newer redemption
ALTER TABLE license_state ADD COLUMN IF NOT EXISTS redeemed_at timestamptz;
-- refreshed | lapsed | refused | unreachable | not-verified: what the last check-in run found
ALTER TABLE license_state ADD COLUMN IF NOT EXISTS last_check_in_outcome text;`;

/** Applies the DDL unless the schema is current (DDL takes locks the appliance application would wait on). */
export async function ensureApplianceSchema(client: pg.ClientBase): Promise<void> {
  const current = await client.query(
    "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'license_state' AND column_name = 'last_check_in_outcome'",
  );
  if (!current.rowCount) await client.query(APPLIANCE_SCHEMA);
}

export interface LicenseStateRow {
  tenant_id: string;
  company_name: string;
  edition: string;
  appliance_id: string | null;
  license_token: string | null;
  license_expires_at: Date | null;
  appliance_credential: string | null;
  check_in_url: string | null;
  license_url: string | null;
  vendor_keys: unknown;
  keys_updated_at: Date | null;
  redeemed_at: Date | null;
  last_check_in_at: Date | null;
  last_check_in_error: string | null;
  last_check_in_outcome: string | null;
  updated_at: Date;
}

/** The license fields a redemption (bootstrap, connect) sets. */
export interface LicenseFields {
  edition: string;
  applianceId: string | null;
  token: string | null;
  expiresAt: Date | null;
  credential: string | null;
  checkInUrl: string | null;
  licenseUrl: string | null;
  vendorKeys: unknown;
  redeemedAt: Date | null;
}

const LICENSE_COLUMNS = "edition, appliance_id, license_token, license_expires_at, appliance_credential, check_in_url, license_url, vendor_keys, redeemed_at";
const licenseValues = (f: LicenseFields) => [
  f.edition,
  f.applianceId,
  f.token,
  f.expiresAt,
  f.credential,
  f.checkInUrl,
  f.licenseUrl,
  f.vendorKeys === null || f.vendorKeys === undefined ? null : JSON.stringify(f.vendorKeys),
  f.redeemedAt,
];

export async function insertLicenseState(client: pg.ClientBase, tenantId: string, f: LicenseFields): Promise<void> {
  await client.query(
    `INSERT INTO license_state (tenant_id, ${LICENSE_COLUMNS}, keys_updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $9::jsonb IS NULL THEN NULL ELSE now() END)`,
    [tenantId, ...licenseValues(f)],
  );
}

/**
 * A new redemption's license for this tenant: the credential, token and pins it came with; no error.
 * Monotonic in the redemption time, so of two writers (a bootstrap re-run, a connect) the newer
 * redemption wins whatever the order. False when a newer one is already in place.
 */
export async function replaceLicense(client: pg.ClientBase, tenantId: string, f: LicenseFields): Promise<boolean> {
  const r = await client.query(
    `INSERT INTO license_state (tenant_id, ${LICENSE_COLUMNS}, keys_updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
     ON CONFLICT (tenant_id) DO UPDATE SET edition = $2, appliance_id = $3, license_token = $4, license_expires_at = $5,
       appliance_credential = $6, check_in_url = $7, license_url = COALESCE($8, license_state.license_url),
       vendor_keys = COALESCE($9::jsonb, license_state.vendor_keys),
       keys_updated_at = CASE WHEN $9::jsonb IS NULL THEN license_state.keys_updated_at ELSE now() END,
       redeemed_at = $10, last_check_in_error = NULL, last_check_in_outcome = NULL, updated_at = now()
     WHERE $10::timestamptz IS NULL OR license_state.redeemed_at IS NULL OR license_state.redeemed_at < $10::timestamptz`,
    [tenantId, ...licenseValues(f)],
  );
  return r.rowCount === 1;
}

/** The appliance's tenant and license state (one tenant per appliance), or null before the bootstrap. */
export async function readLicenseState(client: pg.ClientBase): Promise<LicenseStateRow | null> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('license_state')::text AS t");
  if (!exists.rows[0]?.t) return null;
  const r = await client.query<LicenseStateRow>(
    "SELECT l.*, t.company_name FROM license_state l JOIN tenants t USING (tenant_id) ORDER BY t.created_at LIMIT 1",
  );
  return r.rows[0] ?? null;
}

/** Opens the appliance database for one piece of work. */
export async function withApplianceDb<T>(databaseUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A readable reason a database could not be used (never the URL's password). */
export function databaseProblem(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ? `${e.code}: ${e.message ?? ""}`.trim() : (e.message ?? String(err));
}
