// create-tenant: the appliance's local tenant row under INITIAL_TENANT_ID (the registry's id; the
// database generates one when unset), the admin user (argon2id hash), and license_state.
// Re-running it:
//   - same tenant, seeds of a newer redemption (a reinstall on a surviving database, a re-issued code):
//     license_state is refreshed — credential, token, edition, check-in URL, appliance id, pinned keys —
//     so the next check-in works; the admin user and its password stay as they are;
//   - same tenant, the same (or an older) redemption: nothing changes;
//   - another tenant: an error (BootstrapConflictError, exit 3).
// INITIAL_ADMIN_PASSWORD is needed only while the admin user does not exist (the appliance chart
// clears it from the Secret after the first bootstrap). Seeds are checked against their digests
// before anything else. The seed's key document is accepted like any other (license/chain.ts): trust
// on first use only at the first bootstrap, later only through the pinned keys (or the root); a paid
// edition's token is verified with the resulting pins and never replaces a newer stored license.
import { hash } from "@node-rs/argon2";
import type pg from "pg";
import {
  EDITIONS,
  INITIAL_TENANT_KEYS as T,
  INITIAL_TENANT_SECRET,
  isEdition,
  isUuid,
  LICENSE_SEED_KEYS as L,
  LICENSE_SEED_SECRET,
  parseBaseUrl,
} from "@alga-license/contract";
import type { JWK } from "jose";
import { chainDocuments, chainTip, extendKeyChain, type KeyChain } from "../license/chain.js";
import { timeFloor } from "../license/clock.js";
import { applianceTrust, isNewerLicense, referenceTime, storedLicense, storedThumbprint, verifiedClaims } from "../license/trust.js";
import { DEFAULT_OFFLINE_GRACE_SECONDS, KeyTrustError, verifyLicense, type VendorKeys } from "../license/verify.js";
import { SEEDS, seedIntegrityProblem } from "../seeds.js";
import { ApplianceKeyError, parseApplianceKey, type ApplianceKey } from "../appliance-key.js";
import {
  ensureApplianceSchema,
  insertLicenseState,
  readLicenseState,
  replaceLicense,
  withApplianceDb,
  withLicenseLock,
  type LicenseFields,
  type LicenseStateRow,
} from "./appliance-schema.js";

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
  /** the root: vendor keys shipped with the image (ALGA_VENDOR_KEYS) */
  vendorKeys?: JWK[];
  graceSeconds?: number;
  /** the appliance's clock */
  now?: Date;
  /** where each Secret's values came from, for messages (default: the Secret's name) */
  seedSource?: (secret: string) => string;
}

/** The license seed as read: shapes checked, nothing trusted yet. */
interface SeedLicense {
  edition: string;
  applianceId: string | null;
  token: string | null;
  credential: string | null;
  checkInUrl: string | null;
  licenseUrl: string | null;
  keyDocument: unknown;
  redeemedAt: Date | null;
  /** this appliance's identity key (private JWK), checked; null: a seed of an older alga-setup */
  applianceKey: ApplianceKey | null;
}

interface ParsedSeed {
  wantedId?: string;
  password?: string;
  adminEmail: string;
  companyName: string;
  license: SeedLicense;
}

/**
 * CHECK_IN_URL must be a GraphQL endpoint (a cut-short URL is refused). Its origin may differ from
 * ALGA_LICENSE_URL: the service names its PUBLIC_URL, which an appliance behind a proxy or on an
 * internal name does not use; what it answers is verified against the key chain, not trusted for its host.
 */
function checkInUrlProblem(checkInUrl: string): string | null {
  let url: URL;
  try {
    url = parseBaseUrl(checkInUrl, L.checkInUrl);
  } catch (err) {
    return (err as Error).message;
  }
  if (!/\/graphql$/.test(url.pathname)) return `${L.checkInUrl} "${checkInUrl}" is not a license service's GraphQL endpoint (…/graphql)`;
  return null;
}

async function parseSeed(seed: Record<string, string | undefined>, o: CreateTenantOptions): Promise<ParsedSeed> {
  for (const kind of SEEDS) {
    const problem = seedIntegrityProblem(seed, kind, o.seedSource?.(kind.secret) ?? `Secret ${kind.secret}`);
    if (problem) throw new BootstrapInputError(problem);
  }
  const get = (k: string) => seed[k]?.trim() || undefined;
  const wantedId = get(T.tenantId)?.toLowerCase();
  if (wantedId && !isUuid(wantedId)) throw new BootstrapInputError(`${T.tenantId} must be a UUID (got "${wantedId}")`);
  const rawEdition = get(L.edition);
  if (!rawEdition) {
    throw new BootstrapInputError(
      `${L.edition} is not set: the license seed (Secret ${LICENSE_SEED_SECRET}, or ${LICENSE_SEED_SECRET}.yaml in the seed folder) is missing. ` +
        "It is written by alga-setup with the initial-tenant seed; an appliance is never installed as essentials by default.",
    );
  }
  const edition = rawEdition.toUpperCase();
  if (!isEdition(edition)) throw new BootstrapInputError(`${L.edition} must be one of ${EDITIONS.join(", ")} (got "${rawEdition}")`);
  const paid = edition !== "ESSENTIALS";
  const token = get(L.token);
  const credential = get(L.credential);
  const checkInUrl = get(L.checkInUrl);
  if (paid && (!token || !credential || !checkInUrl)) {
    throw new BootstrapInputError(`the paid edition ${edition} needs ${L.token}, ${L.credential} and ${L.checkInUrl} in the license seed`);
  }
  const licenseUrl = get(L.licenseUrl);
  if (licenseUrl) {
    try {
      parseBaseUrl(licenseUrl, L.licenseUrl);
    } catch (err) {
      throw new BootstrapInputError((err as Error).message);
    }
  }
  const urlProblem = paid ? checkInUrlProblem(checkInUrl!) : null;
  if (urlProblem) throw new BootstrapInputError(urlProblem);
  const redeemedAtRaw = get(L.redeemedAt);
  const redeemedAt = redeemedAtRaw ? new Date(redeemedAtRaw) : null;
  if (redeemedAt && Number.isNaN(redeemedAt.getTime())) throw new BootstrapInputError(`${L.redeemedAt} must be an ISO 8601 time (got "${redeemedAtRaw}")`);
  const keysRaw = get(L.vendorKeys);
  let keyDocument: unknown = null;
  if (keysRaw) {
    try {
      keyDocument = JSON.parse(keysRaw);
    } catch {
      throw new BootstrapInputError(`${L.vendorKeys} was not accepted: it is not JSON`);
    }
  }
  const keyRaw = get(L.applianceKey);
  let applianceKey: ApplianceKey | null = null;
  if (keyRaw) {
    try {
      applianceKey = await parseApplianceKey(keyRaw, L.applianceKey);
    } catch (err) {
      if (err instanceof ApplianceKeyError) throw new BootstrapInputError(`${err.message}: write the seeds again with alga-setup`);
      throw err;
    }
  }
  if (paid && !wantedId) throw new BootstrapInputError(`the paid edition ${edition} needs ${T.tenantId}: the license is bound to the registry tenant`);
  if (paid && !keyDocument)
    throw new BootstrapInputError(`the paid edition ${edition} needs ${L.vendorKeys} (the vendor keys pinned by alga-setup) to verify ${L.token}`);
  return {
    wantedId,
    password: seed[T.adminPassword] || undefined,
    adminEmail: (get(T.adminEmail) ?? "admin@localhost").toLowerCase(),
    companyName: get(T.companyName) ?? "Appliance",
    license: {
      edition,
      applianceId: get(L.applianceId) ?? null,
      token: paid ? token! : null,
      credential: paid ? credential! : null,
      checkInUrl: paid ? checkInUrl! : null,
      licenseUrl: licenseUrl ?? null,
      keyDocument,
      redeemedAt,
      applianceKey,
    },
  };
}

/**
 * The seed's license, verified against what this appliance trusts: its key document accepted at the
 * end of the stored chain (first use only when nothing is pinned), its token verified with the pins.
 * null when its license is older than the stored one (a seed claiming a newer redemption it is not).
 * stored: the current license_state (null: the first bootstrap).
 */
async function verifiedLicense(s: ParsedSeed, tenantId: string, stored: LicenseStateRow | null, o: CreateTenantOptions): Promise<LicenseFields | null> {
  const l = s.license;
  const root = o.vendorKeys?.length ? o.vendorKeys : null;
  const clock = o.now ?? new Date();
  const graceSeconds = o.graceSeconds ?? DEFAULT_OFFLINE_GRACE_SECONDS;
  const trust = stored ? await applianceTrust(stored, root) : null;
  if (trust?.problem && !root) {
    throw new BootstrapInputError(
      `the vendor keys pinned on this appliance were refused (${trust.problem.message}): a seed cannot replace them (set ALGA_VENDOR_KEYS to the vendor's keys)`,
    );
  }
  const verify = async (token: string, keys: VendorKeys) =>
    verifyLicense(token, {
      keys,
      tenantId,
      applianceId: l.applianceId,
      now: clock,
      timeFloor: trust?.floor,
      graceSeconds,
      applianceKeyThumbprint: l.applianceKey?.thumbprint ?? (await storedThumbprint(stored)),
    });
  let chain: KeyChain | null = trust?.chain ?? null;
  if (l.keyDocument) {
    try {
      chain = await extendKeyChain(chain, l.keyDocument, {
        root,
        reference: trust ? referenceTime(trust, clock) : clock,
        firstUse: !trust || (!trust.chain && !trust.problem),
        // the seed's license carries the service's time (this appliance's clock may be behind)
        evidence: l.token ? async (candidate) => ((c) => (c.ok ? new Date(c.claims.iat * 1000) : null))(await verify(l.token!, candidate)) : undefined,
      });
    } catch (err) {
      if (!(err instanceof KeyTrustError)) throw err;
      // pins newer than the seed's (the agent followed the vendor since): the token must verify with those
      if (!(err.reason === "OUTDATED" && chain)) throw new BootstrapInputError(`${L.vendorKeys} was not accepted: ${err.message}`);
    }
  }
  let expiresAt: Date | null = null;
  let issuedAt: number | null = null;
  if (l.token) {
    const check = await verify(l.token, chainTip(chain!));
    if (!check.ok) throw new BootstrapInputError(`${L.token} was refused: ${check.message}`);
    const held = stored && trust ? verifiedClaims(await storedLicense(stored, trust, { clock, graceSeconds })) : null;
    if (held && !isNewerLicense(check.claims, held)) return null;
    expiresAt = check.expiresAt;
    issuedAt = check.claims.iat;
  }
  return {
    edition: l.edition,
    applianceId: l.applianceId,
    token: l.token,
    expiresAt,
    credential: l.credential,
    checkInUrl: l.checkInUrl,
    licenseUrl: l.licenseUrl,
    keyChain: chain ? chainDocuments(chain) : null,
    timeFloor: timeFloor(issuedAt, chain ? chainTip(chain).issuedAt : null),
    redeemedAt: l.redeemedAt,
    applianceKey: l.applianceKey?.privateJwk ?? null,
  };
}

const passwordMissing = (tenantId: string) =>
  new BootstrapInputError(
    `${T.adminPassword} is required: tenant ${tenantId} has no admin user yet (Secret ${INITIAL_TENANT_SECRET}, or ${INITIAL_TENANT_SECRET}.yaml in the seed folder)`,
  );

/** Whether the seed is a newer redemption than what license_state holds. */
function isNewer(seed: SeedLicense, stored: LicenseStateRow): boolean {
  if (seed.redeemedAt && stored.redeemed_at) return seed.redeemedAt.getTime() > stored.redeemed_at.getTime();
  if (seed.redeemedAt) return true;
  // seeds of an older alga-setup: a different credential means another redemption
  return seed.credential !== stored.appliance_credential || seed.edition !== stored.edition;
}

/** seed: the values of both Secrets (from env, or read from the wizard's manifests). */
export async function createTenant(databaseUrl: string, seed: Record<string, string | undefined>, o: CreateTenantOptions = {}): Promise<CreateTenantResult> {
  const s = await parseSeed(seed, o);
  const passwordHash = s.password ? await hash(s.password) : undefined;
  return withApplianceDb(databaseUrl, (client) =>
    withLicenseLock(client, async () => {
      await ensureApplianceSchema(client);
      return bootstrap(client, s, passwordHash, o);
    }),
  );
}

async function bootstrap(client: pg.ClientBase, s: ParsedSeed, passwordHash: string | undefined, o: CreateTenantOptions): Promise<CreateTenantResult> {
  const existing = await client.query<{ tenant_id: string }>("SELECT tenant_id FROM tenants ORDER BY created_at LIMIT 1");
  const current = existing.rows[0];
  if (!current) {
    if (!passwordHash) throw passwordMissing(s.wantedId ?? "(new)");
    const tenant = await client.query<{ tenant_id: string }>(
      s.wantedId
        ? "INSERT INTO tenants (tenant_id, company_name) VALUES ($1, $2) RETURNING tenant_id"
        : "INSERT INTO tenants (company_name) VALUES ($1) RETURNING tenant_id",
      s.wantedId ? [s.wantedId, s.companyName] : [s.companyName],
    );
    const tenantId = tenant.rows[0]!.tenant_id;
    const license = (await verifiedLicense(s, tenantId, null, o))!;
    await client.query("INSERT INTO users (tenant_id, email, password_hash, role) VALUES ($1, $2, $3, 'admin')", [tenantId, s.adminEmail, passwordHash]);
    await insertLicenseState(client, tenantId, license);
    return { status: "created", tenantId, edition: license.edition, adminEmail: s.adminEmail, adminCreated: true };
  }

  const tenantId = current.tenant_id;
  if (s.wantedId && tenantId !== s.wantedId) {
    throw new BootstrapConflictError(
      `this database is already bootstrapped for tenant ${tenantId}; ${T.tenantId} is ${s.wantedId}. ` +
        "Use a fresh database for another tenant (or an install code of tenant " +
        tenantId +
        ").",
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
  const stored = await readLicenseState(client);
  if (!stored || (s.wantedId && isNewer(s.license, stored))) {
    const license = await verifiedLicense(s, tenantId, stored, o);
    if (license && (await replaceLicense(client, tenantId, license)))
      return { status: "refreshed", tenantId, edition: license.edition, adminEmail: s.adminEmail, adminCreated };
  }
  return { status: "already-bootstrapped", tenantId, edition: stored?.edition ?? s.license.edition, adminEmail: s.adminEmail, adminCreated };
}
