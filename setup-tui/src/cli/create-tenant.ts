#!/usr/bin/env node
// alga-create-tenant: bootstrap the appliance database from the seeds (Secret values in the
// environment, as the chart's Job provides them, or --seed-dir with the wizard's manifests).
import path from "node:path";
import { BootstrapConflictError, BootstrapInputError, createTenant } from "../bootstrap/create-tenant.js";
import { databaseProblem } from "../bootstrap/appliance-schema.js";
import { createTenantSettings, UsageError, type CreateTenantSettings } from "../config.js";
import { readSeedDir, SeedFileError } from "../seeds.js";

const USAGE = `usage: alga-create-tenant [--seed-dir DIR] [--json]
  env APPLIANCE_DATABASE_URL  the appliance's PostgreSQL (required)
  --seed-dir DIR              read the seeds from the wizard's manifests (env ALGA_SEED_DIR);
                              otherwise from the environment: INITIAL_TENANT_DIGEST, INITIAL_TENANT_ID,
                              INITIAL_ADMIN_PASSWORD, INITIAL_ADMIN_EMAIL, INITIAL_COMPANY_NAME, LICENSE_SEED_DIGEST,
                              EDITION, APPLIANCE_ID, ALGA_LICENSE_URL, REDEEMED_AT, LICENSE_VENDOR_KEYS, APPLIANCE_KEY,
                              LICENSE_TOKEN, APPLIANCE_CREDENTIAL, CHECK_IN_URL (a seed must match its digest)
  env ALGA_VENDOR_KEYS        vendor keys shipped with the image: the root the pinned keys must chain to
  env ALGA_LICENSE_GRACE_HOURS  offline grace of an expired license (default 72)
INITIAL_ADMIN_PASSWORD is needed only while the admin user does not exist. Seeds of a newer redemption
for the same tenant (a reinstall) refresh license_state when the keys this appliance pins (or the root)
signed their key document; another tenant's seeds are refused.
exit codes: 0 created, refreshed or already bootstrapped, 1 failed, 2 usage or bad seeds,
            3 bootstrapped for another tenant`;

let s: CreateTenantSettings;
try {
  s = createTenantSettings(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`create-tenant: ${err.problems.join("\ncreate-tenant: ")}\n(--help lists every setting)`);
  process.exit(2);
}
if (s.help) {
  console.log(USAGE);
  process.exit(0);
}
let seed: Record<string, string | undefined>;
try {
  seed = s.seedDir ? { ...process.env, ...readSeedDir(s.seedDir) } : { ...process.env };
} catch (err) {
  if (!(err instanceof SeedFileError)) throw err;
  if (s.json) console.log(JSON.stringify({ ok: false, exitCode: 2, error: err.message }));
  console.error(`create-tenant: ${err.message}`);
  process.exit(2);
}
const seedDir = s.seedDir;
const seedSource = (secret: string) => (seedDir ? path.join(seedDir, `${secret}.yaml`) : `Secret ${secret}`);
try {
  const r = await createTenant(s.databaseUrl, seed, { vendorKeys: s.vendorKeys, graceSeconds: s.graceSeconds, now: s.clock(), seedSource });
  const text =
    r.status === "created"
      ? `created tenant ${r.tenantId} (${r.edition}) with admin ${r.adminEmail}`
      : r.status === "refreshed"
        ? `tenant ${r.tenantId} was bootstrapped before: license_state now holds the newer redemption (${r.edition}); the admin keeps its password`
        : `already bootstrapped for tenant ${r.tenantId}: nothing to do`;
  console.log(s.json ? JSON.stringify({ ok: true, ...r }) : text);
} catch (err) {
  const code = err instanceof BootstrapConflictError ? 3 : err instanceof BootstrapInputError ? 2 : 1;
  const message =
    err instanceof BootstrapConflictError || err instanceof BootstrapInputError
      ? err.message
      : `the appliance database could not be bootstrapped (${databaseProblem(err)})`;
  if (s.json) console.log(JSON.stringify({ ok: false, exitCode: code, error: message }));
  console.error(`create-tenant: ${message}`);
  process.exit(code);
}
