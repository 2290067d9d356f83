// create-tenant: the appliance's local tenant row under INITIAL_TENANT_ID (the registry's id; the
// database generates one when unset), the admin user (argon2id hash), and license_state.
// Re-running it:
//   - same tenant, seeds of a newer redemption (a reinstall on a surviving database, a re-issued code):
//     license_state is refreshed — credential, token, edition, check-in URL, appliance id, pinned keys —
//     so the next check-in works; the admin user and its password stay as they are;
//   - same tenant, the same (or an older) redemption: nothing changes;
//   - another tenant: an error (BootstrapConflictError, exit 3).
// INITIAL_ADMIN_PASSWORD is needed only while the admin user does not exist (the appliance chart
// clears it from the Secret after the first bootstrap). A paid edition's token is verified (signature
// against the seed's pinned vendor keys, aud = this tenant) before it is stored.
import { hash } from "@node-rs/argon2";
import type pg from "pg";
import { INITIAL_TENANT_KEYS as T, INITIAL_TENANT_SECRET, LICENSE_SEED_KEYS as L, LICENSE_SEED_SECRET } from "@alga-license/contract";
import type { JWK } from "jose";
import { acceptKeyHandover, KeyTrustError, verifyLicense, type VendorKeys } from "../license/verify.js";
import { ensureApplianceSchema, insertLicenseState, replaceLicense, withApplianceDb, type LicenseFields } from "./appliance-schema.js";

export class BootstrapConflictError extends Error {}
export class BootstrapInputError extends Error {}

export interface CreateTenantResult {
  /** created: a new tenant; refreshed: license_state took a newer redemption; already-bootstrapped: nothing to do */
  status: "created" | "refreshed" | "already-bootstrapped";
  tenantId: string;
  edition: string;
  adminEmail: string;
  /** whether this run created the admin user (its password is INITIAL_ADMIN_PASSWORD) */
  adminCreated: boolean;
}

export interface CreateTenantOptions {
  /** vendor keys shipped with the image: the seed's key document must be signed by one */
  vendorKeys?: JWK[];
  graceSeconds?: number;
  now?: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EDITIONS = ["ESSENTIALS", "PRO", "PREMIUM"];
// one bootstrap at a time per database (the Job may be re-run while a previous pod still works)
const LOCK_KEY = 0x616c6761;

interface ParsedSeed {
  wantedId?: string;
  password?: string;
  adminEmail: string;
  companyName: string;
  license: LicenseFields;
}

async function parseSeed(seed: Record<string, string | undefined>, o: CreateTenantOptions): Promise<ParsedSeed> {
  const get = (k: string) => seed[k]?.trim() || undefined;
  const wantedId = get(T.tenantId)?.toLowerCase();
  if (wantedId && !UUID.test(wantedId)) throw new BootstrapInputError(`${T.tenantId} must be a UUID (got "${wantedId}")`);
  const rawEdition = get(L.edition);
  if (!rawEdition) {
    throw new BootstrapInputError(
      `${L.edition} is not set: the license seed (Secret ${LICENSE_SEED_SECRET}, or ${LICENSE_SEED_SECRET}.yaml in the seed folder) is missing. ` +
        "It is written by alga-setup with the initial-tenant seed; an appliance is never installed as essentials by default.",
    );
  }
  const edition = rawEdition.toUpperCase();
  if (!EDITIONS.includes(edition)) throw new BootstrapInputError(`${L.edition} must be one of ${EDITIONS.join(", ")} (got "${rawEdition}")`);
  const paid = edition !== "ESSENTIALS";
  const token = get(L.token);
  const credential = get(L.credential);
  const checkInUrl = get(L.checkInUrl);
  if (paid && (!token || !credential || !checkInUrl)) {
    throw new BootstrapInputError(`the paid edition ${edition} needs ${L.token}, ${L.credential} and ${L.checkInUrl} in the license seed`);
  }
  const redeemedAtRaw = get(L.redeemedAt);
  const redeemedAt = redeemedAtRaw ? new Date(redeemedAtRaw) : null;
  if (redeemedAt && Number.isNaN(redeemedAt.getTime())) throw new BootstrapInputError(`${L.redeemedAt} must be an ISO 8601 time (got "${redeemedAtRaw}")`);

  let keys: VendorKeys | null = null;
  const keysRaw = get(L.vendorKeys);
  if (keysRaw) {
    try {
      keys = await acceptKeyHandover(JSON.parse(keysRaw), { anchors: o.vendorKeys });
    } catch (err) {
      const why = err instanceof KeyTrustError ? err.message : "it is not JSON";
      throw new BootstrapInputError(`${L.vendorKeys} was not accepted: ${why}`);
    }
  }
  let expiresAt: Date | null = null;
  const applianceId = get(L.applianceId) ?? null;
  if (paid) {
    if (!wantedId) throw new BootstrapInputError(`the paid edition ${edition} needs ${T.tenantId}: the license is bound to the registry tenant`);
    if (!keys) throw new BootstrapInputError(`the paid edition ${edition} needs ${L.vendorKeys} (the vendor keys pinned by alga-setup) to verify ${L.token}`);
    const check = await verifyLicense(token!, { keys, tenantId: wantedId, applianceId, now: o.now, graceSeconds: o.graceSeconds });
    if (!check.ok) throw new BootstrapInputError(`${L.token} was refused: ${check.message}`);
    expiresAt = check.expiresAt;
  }
  return {
    wantedId,
    password: seed[T.adminPassword] || undefined,
    adminEmail: (get(T.adminEmail) ?? "admin@localhost").toLowerCase(),
    companyName: get(T.companyName) ?? "Appliance",
    license: {
      edition,
      applianceId,
      token: paid ? token! : null,
      expiresAt,
      credential: paid ? credential! : null,
      checkInUrl: paid ? checkInUrl! : null,
      licenseUrl: get(L.licenseUrl) ?? null,
      vendorKeys: keys?.document ?? null,
      redeemedAt,
    },
  };
}

const passwordMissing = (tenantId: string) =>
  new BootstrapInputError(
    `${T.adminPassword} is required: tenant ${tenantId} has no admin user yet (Secret ${INITIAL_TENANT_SECRET}, or ${INITIAL_TENANT_SECRET}.yaml in the seed folder)`,
  );

/** Whether the seed is a newer redemption than what license_state holds. */
function isNewer(seed: LicenseFields, stored: { redeemed_at: Date | null; appliance_credential: string | null; edition: string | null }): boolean {
  if (seed.redeemedAt && stored.redeemed_at) return seed.redeemedAt.getTime() > stored.redeemed_at.getTime();
  if (seed.redeemedAt) return true;
  // seeds of an older alga-setup: a different credential means another redemption
  return seed.credential !== stored.appliance_credential || seed.edition !== stored.edition;
}

/** seed: the values of both Secrets (from env, or read from the wizard's manifests). */
export async function createTenant(databaseUrl: string, seed: Record<string, string | undefined>, o: CreateTenantOptions = {}): Promise<CreateTenantResult> {
  const s = await parseSeed(seed, o);
  const passwordHash = s.password ? await hash(s.password) : undefined;
  return withApplianceDb(databaseUrl, async (client) => {
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
      await ensureApplianceSchema(client);
      const result = await bootstrap(client, s, passwordHash);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    }
  });
}

async function bootstrap(client: pg.ClientBase, s: ParsedSeed, passwordHash: string | undefined): Promise<CreateTenantResult> {
  const existing = await client.query<{ tenant_id: string; edition: string | null; redeemed_at: Date | null; appliance_credential: string | null }>(
    "SELECT t.tenant_id, l.edition, l.redeemed_at, l.appliance_credential FROM tenants t LEFT JOIN license_state l USING (tenant_id) ORDER BY t.created_at LIMIT 1",
  );
  const current = existing.rows[0];
  if (!current) {
    if (!passwordHash) throw passwordMissing(s.wantedId ?? "(new)");
    const tenant = await client.query<{ tenant_id: string }>(
      s.wantedId ? "INSERT INTO tenants (tenant_id, company_name) VALUES ($1, $2) RETURNING tenant_id" : "INSERT INTO tenants (company_name) VALUES ($1) RETURNING tenant_id",
      s.wantedId ? [s.wantedId, s.companyName] : [s.companyName],
    );
    const tenantId = tenant.rows[0]!.tenant_id;
    await client.query("INSERT INTO users (tenant_id, email, password_hash, role) VALUES ($1, $2, $3, 'admin')", [tenantId, s.adminEmail, passwordHash]);
    await insertLicenseState(client, tenantId, s.license);
    return { status: "created", tenantId, edition: s.license.edition, adminEmail: s.adminEmail, adminCreated: true };
  }

  const tenantId = current.tenant_id;
  if (s.wantedId && tenantId !== s.wantedId) {
    throw new BootstrapConflictError(
      `this database is already bootstrapped for tenant ${tenantId}; ${T.tenantId} is ${s.wantedId}. ` +
        "Use a fresh database for another tenant (or an install code of tenant " + tenantId + ").",
    );
  }
  // an interrupted first run, or an admin removed by hand: create it when the password is there
  const admins = await client.query("SELECT 1 FROM users WHERE tenant_id = $1 AND role = 'admin' LIMIT 1", [tenantId]);
  let adminCreated = false;
  if (!admins.rowCount) {
    if (!passwordHash) throw passwordMissing(tenantId);
    await client.query("INSERT INTO users (tenant_id, email, password_hash, role) VALUES ($1, $2, $3, 'admin') ON CONFLICT (tenant_id, email) DO NOTHING", [
      tenantId,
      s.adminEmail,
      passwordHash,
    ]);
    adminCreated = true;
  }
  const stored = current.edition === null ? null : current;
  if ((!stored || (s.wantedId && isNewer(s.license, stored))) && (await replaceLicense(client, tenantId, s.license))) {
    return { status: "refreshed", tenantId, edition: s.license.edition, adminEmail: s.adminEmail, adminCreated };
  }
  return { status: "already-bootstrapped", tenantId, edition: current.edition ?? s.license.edition, adminEmail: s.adminEmail, adminCreated };
}
