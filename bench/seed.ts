// Seeding by SQL, in a few set-based statements (generate_series / unnest), so a million rows take
// seconds: the support search's registry, the fleet's appliances (credentials known to the bench), and
// unused install codes for redemptions (plaintexts known to the bench, digests under the server secret).
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { createServerSecret } from "../api/src/crypto/server-secret.js";
import { generateInstallCode, installCodeDigest } from "../api/src/domain/install-code.js";

const ADJECTIVES = [
  "Quantum",
  "Northern",
  "Blue",
  "Silver",
  "Rapid",
  "Golden",
  "Prime",
  "Summit",
  "Coastal",
  "Urban",
  "Alpine",
  "Bright",
  "Crystal",
  "Delta",
  "Evergreen",
  "Falcon",
  "Granite",
  "Harbor",
  "Iron",
  "Jade",
  "Keystone",
  "Lakeside",
  "Maple",
  "Nova",
  "Oak",
  "Pioneer",
  "Red",
  "Stellar",
  "Titan",
  "Unity",
  "Vertex",
  "West",
  "Zenith",
  "Cedar",
  "Orchid",
  "Pacific",
  "Meridian",
];
const NOUNS = [
  "Harbor",
  "Logistics",
  "Systems",
  "Dental",
  "Clinic",
  "Foods",
  "Builders",
  "Consulting",
  "Analytics",
  "Networks",
  "Robotics",
  "Labs",
  "Energy",
  "Freight",
  "Pharma",
  "Capital",
  "Studios",
  "Retail",
  "Motors",
  "Textiles",
  "Farms",
  "Legal",
  "Media",
  "Partners",
  "Security",
  "Software",
  "Solar",
  "Supply",
  "Telecom",
  "Travel",
  "Ventures",
  "Water",
  "Works",
  "Imaging",
  "Insurance",
  "Kitchens",
  "Marine",
  "Metals",
  "Optics",
  "Print",
  "Health",
];
const SUFFIXES = ["Ltd", "GmbH", "Inc", "LLC", "AG", "SARL", "BV", "Oy", "AB"];
const FIRST = [
  "anna",
  "ben",
  "carla",
  "david",
  "eva",
  "felix",
  "greta",
  "hugo",
  "ines",
  "jonas",
  "karin",
  "lars",
  "mia",
  "nils",
  "olga",
  "paul",
  "rosa",
  "sven",
  "tina",
  "uwe",
  "vera",
  "will",
  "yara",
  "zoe",
  "amir",
  "chen",
  "diego",
  "fatima",
  "hana",
  "igor",
  "kofi",
  "lena",
  "marco",
  "noor",
  "omar",
  "priya",
  "raj",
  "sofia",
  "tomas",
  "ursula",
  "victor",
  "wei",
  "xenia",
];
const LAST = [
  "smith",
  "muller",
  "garcia",
  "rossi",
  "dubois",
  "novak",
  "kowalski",
  "jensen",
  "silva",
  "tanaka",
  "kim",
  "nguyen",
  "okafor",
  "ivanov",
  "hansen",
  "larsen",
  "meyer",
  "schmidt",
  "fischer",
  "weber",
  "wagner",
  "becker",
  "hoffmann",
  "koch",
  "richter",
  "klein",
  "wolf",
  "schulz",
  "braun",
  "zimmer",
  "kruger",
  "hartmann",
  "lange",
  "werner",
  "krause",
  "lehmann",
  "walter",
  "maier",
  "kohler",
  "herrmann",
  "konig",
  "mayer",
  "huber",
  "kaiser",
  "fuchs",
  "peters",
  "lang",
];

/** Runs fn on one connection inside a transaction. */
async function inTransaction(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<void>): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    await fn(c);
    await c.query("COMMIT");
  } catch (err) {
    await c.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    c.release();
  }
}

const arr = (xs: string[]) => `ARRAY[${xs.map((x) => `'${x}'`).join(",")}]`;

/**
 * n registry rows in one statement: company names "Adjective Noun Suffix" (37 × 41 × 9 combinations,
 * so "Quantum Harbor" matches about 1 row in 1,500), contact emails first.last<n>@<company>.example,
 * created over the last five years, a spread of statuses and editions. Then ANALYZE.
 */
export async function seedRegistry(pool: pg.Pool, n: number): Promise<void> {
  await pool.query(
    `INSERT INTO tenant_registry (tenant_id, company_name, contact_email, edition, deployment_type, status, created_at, updated_at, installed_at, last_check_in_at)
     SELECT gen_random_uuid(), name, email, edition, 'APPLIANCE', status, created, created, installed, installed
       FROM (SELECT g,
                    (${arr(ADJECTIVES)})[1 + g % ${ADJECTIVES.length}] || ' ' || (${arr(NOUNS)})[1 + (g / ${ADJECTIVES.length}) % ${NOUNS.length}] || ' ' || (${arr(SUFFIXES)})[1 + (g / ${ADJECTIVES.length * NOUNS.length}) % ${SUFFIXES.length}] AS name,
                    (${arr(FIRST)})[1 + g % ${FIRST.length}] || '.' || (${arr(LAST)})[1 + (g / ${FIRST.length}) % ${LAST.length}] || g || '@' ||
                      lower((${arr(NOUNS)})[1 + (g / 7) % ${NOUNS.length}]) || '-' || (g % 9973) || '.example' AS email,
                    (ARRAY['PRO','PREMIUM','ESSENTIALS','PRO']::"Edition"[])[1 + g % 4] AS edition,
                    (ARRAY['ACTIVE','ACTIVE','ACTIVE','INSTALLED','REGISTERED','SUSPENDED','CANCELLED']::"TenantStatus"[])[1 + g % 7] AS status,
                    now() - make_interval(secs => (g * 157.79) % (5 * 365 * 86400)) AS created,
                    CASE WHEN g % 7 < 4 THEN now() - make_interval(secs => (g * 157.79) % (365 * 86400)) END AS installed
               FROM generate_series(1, $1::int) g) s`,
    [n],
  );
  await pool.query("ANALYZE tenant_registry");
}

export const fleetCredential = (n: number) => `alc_bench_fleet_${n}`;
export const fleetApplianceId = (n: number) => `fleet-${n}`;

/**
 * n appliances 1..n, each its own paying tenant (PRO, one seat) with an active credential
 * alc_bench_fleet_<i> (stored as its SHA-256, as the API stores credentials).
 */
export async function seedFleet(pool: pg.Pool, n: number): Promise<void> {
  await inTransaction(pool, async (c) => {
    await c.query(
      `CREATE TEMP TABLE fleet_seed ON COMMIT DROP AS
     SELECT g, gen_random_uuid() AS tenant_id, gen_random_uuid() AS entitlement_id FROM generate_series(1, $1::int) g`,
      [n],
    );
    await c.query(
      `INSERT INTO tenant_registry (tenant_id, company_name, contact_email, edition, status, created_at, updated_at, installed_at)
     SELECT tenant_id, 'Fleet Customer ' || g, 'it' || g || '@fleet.example', 'PRO', 'ACTIVE', now() - interval '30 days', now(), now() - interval '30 days' FROM fleet_seed`,
    );
    await c.query(
      `INSERT INTO entitlement (id, tenant_id, edition, status, seats, created_at, updated_at)
     SELECT entitlement_id, tenant_id, 'PRO', 'ACTIVE', 1, now() - interval '30 days', now() FROM fleet_seed`,
    );
    await c.query(
      `INSERT INTO appliance (id, appliance_id, tenant_id, credential_digest, edition, license_jti, license_expires_at, last_check_in_at, created_at, updated_at)
     SELECT gen_random_uuid(), 'fleet-' || g, tenant_id, encode(sha256(convert_to('alc_bench_fleet_' || g, 'UTF8')), 'hex'), 'PRO',
            gen_random_uuid()::text, now() + interval '29 days', now() - interval '1 day', now() - interval '30 days', now()
       FROM fleet_seed`,
    );
  });
  await pool.query("ANALYZE tenant_registry, entitlement, appliance");
}

/** The fleet's identities (what the agent derives its spread slot from), ordered by appliance number. */
export async function fleetIdentities(pool: pg.Pool, n: number): Promise<{ n: number; tenantId: string; applianceId: string }[]> {
  const { rows } = await pool.query<{ n: number; tenantId: string; applianceId: string }>(
    `SELECT substr(appliance_id, 7)::int AS n, tenant_id AS "tenantId", appliance_id AS "applianceId"
       FROM appliance WHERE appliance_id LIKE 'fleet-%' AND substr(appliance_id, 7)::int <= $1 ORDER BY 1`,
    [n],
  );
  return rows;
}

/**
 * count unused install codes, each for its own registered PRO tenant (one seat), as registerTenant
 * leaves them. Returns the plaintext codes; the table holds their HMAC digests under serverSecret.
 */
export async function seedInstallCodes(pool: pg.Pool, serverSecret: string, count: number): Promise<string[]> {
  const secret = createServerSecret(Buffer.from(serverSecret, "utf8"));
  const codes = Array.from({ length: count }, () => generateInstallCode());
  const digests = codes.map((c) => installCodeDigest(secret, c.replace(/-/g, "")));
  const tenants = codes.map(() => randomUUID());
  const entitlements = codes.map(() => randomUUID());
  await inTransaction(pool, async (c) => {
    await c.query(
      `INSERT INTO tenant_registry (tenant_id, company_name, contact_email, edition, created_at, updated_at)
     SELECT t, 'Redeem Customer ' || i, 'redeem' || i || '@bench.example', 'PRO', now(), now() FROM unnest($1::uuid[]) WITH ORDINALITY u(t, i)`,
      [tenants],
    );
    await c.query(
      `INSERT INTO entitlement (id, tenant_id, edition, status, seats, created_at, updated_at)
     SELECT e, t, 'PRO', 'ACTIVE', 1, now(), now() FROM unnest($1::uuid[], $2::uuid[]) u(e, t)`,
      [entitlements, tenants],
    );
    await c.query(
      `INSERT INTO install_code (id, tenant_id, entitlement_id, code_digest, expires_at, live_for_tenant, created_at)
     SELECT gen_random_uuid(), t, e, d, now() + interval '14 days', t, now() FROM unnest($1::uuid[], $2::uuid[], $3::text[]) u(t, e, d)`,
      [tenants, entitlements, digests],
    );
  });
  await pool.query("ANALYZE tenant_registry, entitlement, install_code");
  return codes;
}
