// create-tenant: the appliance's local tenant row under INITIAL_TENANT_ID (the registry's id; the
// database generates one when unset), the admin user (argon2id hash), and license_state.
// Re-running with the same id is a no-op; a different id on a bootstrapped database is an error.
import { hash } from "@node-rs/argon2";
import pg from "pg";
import { INITIAL_TENANT_KEYS as T, LICENSE_SEED_KEYS as L } from "@alga-license/contract";
import { ensureApplianceSchema } from "./appliance-schema.js";

export class BootstrapConflictError extends Error {}
export class BootstrapInputError extends Error {}

export interface CreateTenantResult {
  status: "created" | "already-bootstrapped";
  tenantId: string;
  edition: string;
  adminEmail: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EDITIONS = ["ESSENTIALS", "PRO", "PREMIUM"];
// one bootstrap at a time per database (the Job may be re-run while a previous pod still works)
const LOCK_KEY = 0x616c6761;

/** seed: the values of both Secrets (from env, or read from the wizard's manifests). */
export async function createTenant(databaseUrl: string, seed: Record<string, string | undefined>): Promise<CreateTenantResult> {
  const wantedId = seed[T.tenantId]?.trim() || undefined;
  if (wantedId && !UUID.test(wantedId)) throw new BootstrapInputError(`${T.tenantId} must be a UUID (got "${wantedId}")`);
  const password = seed[T.adminPassword];
  if (!password) throw new BootstrapInputError(`${T.adminPassword} is required`);
  const edition = (seed[L.edition] ?? "ESSENTIALS").toUpperCase();
  if (!EDITIONS.includes(edition)) throw new BootstrapInputError(`${L.edition} must be one of ${EDITIONS.join(", ")}`);
  const paid = edition !== "ESSENTIALS";
  if (paid && (!seed[L.token] || !seed[L.credential] || !seed[L.checkInUrl])) {
    throw new BootstrapInputError(`a paid edition needs ${L.token}, ${L.credential} and ${L.checkInUrl}`);
  }
  const adminEmail = (seed[T.adminEmail] ?? "admin@localhost").trim().toLowerCase();
  const companyName = seed[T.companyName]?.trim() || "Appliance";

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
    await ensureApplianceSchema(client);
    const existing = await client.query<{ tenant_id: string; edition: string | null }>(
      "SELECT t.tenant_id, l.edition FROM tenants t LEFT JOIN license_state l USING (tenant_id) ORDER BY t.created_at LIMIT 1",
    );
    const current = existing.rows[0];
    if (current) {
      await client.query("ROLLBACK");
      if (wantedId && current.tenant_id !== wantedId.toLowerCase()) {
        throw new BootstrapConflictError(
          `this database is already bootstrapped for tenant ${current.tenant_id}; ${T.tenantId} is ${wantedId}. ` +
            "Use a fresh database for another tenant (or the original install code's tenant).",
        );
      }
      return { status: "already-bootstrapped", tenantId: current.tenant_id, edition: current.edition ?? edition, adminEmail };
    }
    const tenant = await client.query<{ tenant_id: string }>(
      wantedId
        ? "INSERT INTO tenants (tenant_id, company_name) VALUES ($1, $2) RETURNING tenant_id"
        : "INSERT INTO tenants (company_name) VALUES ($1) RETURNING tenant_id",
      wantedId ? [wantedId, companyName] : [companyName],
    );
    const tenantId = tenant.rows[0]!.tenant_id;
    await client.query("INSERT INTO users (tenant_id, email, password_hash, role) VALUES ($1, $2, $3, 'admin')", [
      tenantId,
      adminEmail,
      await hash(password),
    ]);
    await client.query(
      `INSERT INTO license_state (tenant_id, edition, appliance_id, license_token, license_expires_at, appliance_credential, check_in_url)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        tenantId,
        edition,
        seed[L.applianceId] ?? null,
        paid ? seed[L.token] : null,
        paid ? tokenExpiry(seed[L.token]!) : null,
        paid ? seed[L.credential] : null,
        paid ? seed[L.checkInUrl] : null,
      ],
    );
    await client.query("COMMIT");
    return { status: "created", tenantId, edition, adminEmail };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}

/** exp of a JWT, without verifying it (the appliance stores what the service issued). */
export function tokenExpiry(token: string): Date | null {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { exp?: number };
    return typeof payload.exp === "number" ? new Date(payload.exp * 1000) : null;
  } catch {
    return null;
  }
}
