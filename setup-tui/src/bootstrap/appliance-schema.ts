// The appliance's own small schema (tenants, users, license_state) and every read and write of
// license_state the appliance tools make (no other module writes SQL against it). The DDL is
// idempotent (columns added later carry ADD COLUMN IF NOT EXISTS) and versioned: the database records
// the APPLIANCE_SCHEMA_VERSION it was brought to (license_state_schema), and a writer applies the DDL
// only while the recorded version is lower. A change to license_state: add its DDL below, raise
// APPLIANCE_SCHEMA_VERSION, add the column to LicenseStateRow and the write that sets it here.
import pg from "pg";

/** Raise with every change to APPLIANCE_SCHEMA (an older database is brought up to date once). */
export const APPLIANCE_SCHEMA_VERSION = 3;

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
ALTER TABLE license_state ADD COLUMN IF NOT EXISTS last_check_in_outcome text;
-- the accepted key hand-over documents that link vendor_keys (the last one) back to the root (license/chain.ts)
ALTER TABLE license_state ADD COLUMN IF NOT EXISTS key_chain jsonb;
-- the newest server-signed time this appliance has seen, and the service's time minus its clock at the
-- last check-in (license/clock.ts)
ALTER TABLE license_state ADD COLUMN IF NOT EXISTS server_time_floor timestamptz;
ALTER TABLE license_state ADD COLUMN IF NOT EXISTS clock_skew_seconds integer;
-- this appliance's Ed25519 identity key (private JWK: the appliance's own database) and the offline
-- exchange (offline/): online | offline, the pending renewal request, the usage report chain
ALTER TABLE license_state ADD COLUMN IF NOT EXISTS appliance_key jsonb;
ALTER TABLE license_state ADD COLUMN IF NOT EXISTS activation_mode text;
ALTER TABLE license_state ADD COLUMN IF NOT EXISTS offline_pending jsonb;
ALTER TABLE license_state ADD COLUMN IF NOT EXISTS report_seq integer NOT NULL DEFAULT 0;
ALTER TABLE license_state ADD COLUMN IF NOT EXISTS report_last_hash text;
ALTER TABLE license_state ADD COLUMN IF NOT EXISTS report_last_until timestamptz;
-- pins of an older appliance start their chain
UPDATE license_state SET key_chain = jsonb_build_array(vendor_keys) WHERE key_chain IS NULL AND vendor_keys IS NOT NULL;
-- the version this schema was brought to (one row; never lowered by older tools)
CREATE TABLE IF NOT EXISTS license_state_schema (
  id      boolean PRIMARY KEY DEFAULT true CHECK (id),
  version integer NOT NULL
);
INSERT INTO license_state_schema (version) VALUES (${APPLIANCE_SCHEMA_VERSION})
  ON CONFLICT (id) DO UPDATE SET version = GREATEST(license_state_schema.version, EXCLUDED.version);`;

/** Serialises every writer of license_state on one database (bootstrap, connect, check-in agents). */
export const LICENSE_LOCK_KEY = 0x616c6761;

/**
 * The schema version this appliance database records: 0 before the tables exist, 1 for a database
 * from before the version was recorded (its DDL is re-applied once, idempotently).
 */
export async function applianceSchemaVersion(client: pg.ClientBase): Promise<number> {
  const t = await client.query<{ state: string | null; schema: string | null }>(
    "SELECT to_regclass('license_state')::text AS state, to_regclass('license_state_schema')::text AS schema",
  );
  if (!t.rows[0]?.state) return 0;
  if (!t.rows[0].schema) return 1;
  const v = await client.query<{ version: number }>("SELECT version FROM license_state_schema");
  return v.rows[0]?.version ?? 1;
}

/** Applies the DDL unless the schema is current (DDL takes locks the appliance application would wait on). */
export async function ensureApplianceSchema(client: pg.ClientBase): Promise<void> {
  if ((await applianceSchemaVersion(client)) < APPLIANCE_SCHEMA_VERSION) await client.query(APPLIANCE_SCHEMA);
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
  last_check_in_outcome: CheckInOutcomeRecord | null;
  /** undefined: a database from before the chain was kept (read-only readers see it unmigrated) */
  key_chain?: unknown;
  server_time_floor?: Date | null;
  clock_skew_seconds?: number | null;
  /** this appliance's identity key (private JWK); null: installed before appliance keys */
  appliance_key?: unknown;
  /** "online" | "offline": how the license arrives (offline: by renewal files) */
  activation_mode?: string | null;
  /** the renewal request waiting for its response file (offline/renewal.ts) */
  offline_pending?: unknown;
  /** the usage reports sent so far: the last one's seq, hash and end of period */
  report_seq?: number;
  report_last_hash?: string | null;
  report_last_until?: Date | null;
  updated_at: Date;
}

/**
 * Runs work in a transaction holding the license_state writers' lock: a writer reads the row again
 * inside it and decides from that, so two writers never overwrite each other's newer state.
 */
export async function withLicenseLock<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [LICENSE_LOCK_KEY]);
    const result = await work();
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
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
  /** the verified key hand-over documents, root first (chain.ts); null: keep the stored ones */
  keyChain: unknown[] | null;
  /** the newest server-signed time of this redemption (the token's and the documents' iat) */
  timeFloor: Date | null;
  redeemedAt: Date | null;
  /** this appliance's identity key (private JWK); null/undefined: keep the stored one */
  applianceKey?: unknown;
  /** "online" | "offline"; null/undefined: keep the stored mode */
  activationMode?: string | null;
}

const LICENSE_COLUMNS =
  "edition, appliance_id, license_token, license_expires_at, appliance_credential, check_in_url, license_url, key_chain, vendor_keys, server_time_floor, redeemed_at, appliance_key, activation_mode";
const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
const licenseValues = (f: LicenseFields) => [
  f.edition,
  f.applianceId,
  f.token,
  f.expiresAt,
  f.credential,
  f.checkInUrl,
  f.licenseUrl,
  json(f.keyChain),
  json(f.keyChain?.[f.keyChain.length - 1]),
  f.timeFloor,
  f.redeemedAt,
  json(f.applianceKey),
  f.activationMode ?? null,
];

export async function insertLicenseState(client: pg.ClientBase, tenantId: string, f: LicenseFields): Promise<void> {
  await client.query(
    `INSERT INTO license_state (tenant_id, ${LICENSE_COLUMNS}, keys_updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, CASE WHEN $10::jsonb IS NULL THEN NULL ELSE now() END)`,
    [tenantId, ...licenseValues(f)],
  );
}

/**
 * A new redemption's license for this tenant: the credential, token and pins it came with; no error.
 * Monotonic in the redemption time, so of two writers (a bootstrap re-run, a connect) the newer
 * redemption wins whatever the order. False when a newer one is already in place. Callers hold the
 * writers' lock and have checked that the token is not older than the stored one (trust.ts).
 */
export async function replaceLicense(client: pg.ClientBase, tenantId: string, f: LicenseFields): Promise<boolean> {
  const r = await client.query(
    `INSERT INTO license_state (tenant_id, ${LICENSE_COLUMNS}, keys_updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now())
     ON CONFLICT (tenant_id) DO UPDATE SET edition = $2, appliance_id = $3, license_token = $4, license_expires_at = $5,
       appliance_credential = $6, check_in_url = $7, license_url = COALESCE($8, license_state.license_url),
       key_chain = COALESCE($9::jsonb, license_state.key_chain), vendor_keys = COALESCE($10::jsonb, license_state.vendor_keys),
       keys_updated_at = CASE WHEN $10::jsonb IS NULL THEN license_state.keys_updated_at ELSE now() END,
       server_time_floor = GREATEST(license_state.server_time_floor, $11::timestamptz),
       redeemed_at = $12, appliance_key = COALESCE($13::jsonb, license_state.appliance_key),
       activation_mode = COALESCE($14, license_state.activation_mode), last_check_in_error = NULL, last_check_in_outcome = NULL, updated_at = now()
     WHERE $12::timestamptz IS NULL OR license_state.redeemed_at IS NULL OR license_state.redeemed_at < $12::timestamptz`,
    [tenantId, ...licenseValues(f)],
  );
  return r.rowCount === 1;
}

/** Newly accepted pins (a key hand-over): the chain, its last document, and the time it was signed. */
export async function storeKeyChain(client: pg.ClientBase, tenantId: string, keyChain: unknown[], signedAt: Date): Promise<void> {
  await client.query(
    `UPDATE license_state SET key_chain = $1, vendor_keys = $2, keys_updated_at = now(),
       server_time_floor = GREATEST(server_time_floor, $3::timestamptz), updated_at = now() WHERE tenant_id = $4`,
    [json(keyChain), json(keyChain[keyChain.length - 1]), signedAt, tenantId],
  );
}

/** A refreshed license from a check-in with this credential; false when the credential was replaced meanwhile. */
export async function storeCheckedInLicense(
  client: pg.ClientBase,
  tenantId: string,
  credential: string,
  l: { token: string; expiresAt: Date; edition: string; issuedAt: Date; skewSeconds: number },
): Promise<boolean> {
  const r = await client.query(
    `UPDATE license_state SET license_token = $1, license_expires_at = $2, edition = $3, last_check_in_at = now(),
       last_check_in_error = NULL, last_check_in_outcome = 'refreshed', server_time_floor = GREATEST(server_time_floor, $4::timestamptz),
       clock_skew_seconds = $5, updated_at = now()
     WHERE tenant_id = $6 AND appliance_credential = $7`,
    [l.token, l.expiresAt, l.edition, l.issuedAt, l.skewSeconds, tenantId, credential],
  );
  return r.rowCount === 1;
}

/** What a check-in run found, kept in last_check_in_outcome. */
export type CheckInOutcomeRecord = "refreshed" | "lapsed" | "refused" | "unreachable" | "not-verified";

/** Records what a check-in run found — unless a connect or reinstall replaced the credential meanwhile. */
export async function recordCheckIn(
  client: pg.ClientBase,
  row: Pick<LicenseStateRow, "tenant_id" | "appliance_credential">,
  outcome: CheckInOutcomeRecord,
  error: string,
): Promise<void> {
  await client.query(
    "UPDATE license_state SET last_check_in_error = $1, last_check_in_outcome = $2, updated_at = now() WHERE tenant_id = $3 AND appliance_credential IS NOT DISTINCT FROM $4",
    [error.slice(0, 1000), outcome, row.tenant_id, row.appliance_credential],
  );
}

/** Keeps the renewal request this appliance is waiting on (offline/renewal.ts: its nonce and report). */
export async function storePendingRenewal(client: pg.ClientBase, tenantId: string, pending: unknown): Promise<void> {
  await client.query("UPDATE license_state SET offline_pending = $1, updated_at = now() WHERE tenant_id = $2", [JSON.stringify(pending), tenantId]);
}

/** What an imported renewal stores: the license, the key chain it came with, and the report chain's new head. */
export interface ImportedRenewal {
  license: string;
  expiresAt: Date;
  edition: string;
  keyChain: unknown[];
  vendorKeys: unknown;
  keysUpdated: boolean;
  serverTime: Date | null;
  report: { seq: number; hash: string; until: string };
}

/** Stores an imported renewal (offline mode from now on) and clears the pending request it answered. */
export async function storeImportedRenewal(client: pg.ClientBase, tenantId: string, r: ImportedRenewal): Promise<void> {
  await client.query(
    `UPDATE license_state SET license_token = $1, license_expires_at = $2, edition = $3,
       key_chain = $4, vendor_keys = $5, keys_updated_at = CASE WHEN $6 OR keys_updated_at IS NULL THEN now() ELSE keys_updated_at END,
       server_time_floor = GREATEST(server_time_floor, $7::timestamptz), activation_mode = 'offline', offline_pending = NULL,
       report_seq = $8, report_last_hash = $9, report_last_until = $10, updated_at = now()
     WHERE tenant_id = $11`,
    [
      r.license,
      r.expiresAt,
      r.edition,
      JSON.stringify(r.keyChain),
      JSON.stringify(r.vendorKeys),
      r.keysUpdated,
      r.serverTime,
      r.report.seq,
      r.report.hash,
      r.report.until,
      tenantId,
    ],
  );
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
