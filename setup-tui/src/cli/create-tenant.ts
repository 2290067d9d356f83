#!/usr/bin/env node
// alga-create-tenant: bootstrap the appliance database from the seeds (Secret values in the
// environment, as the chart's Job provides them, or --seed-dir with the wizard's manifests).
import { parseArgs } from "node:util";
import { BootstrapConflictError, BootstrapInputError, createTenant } from "../bootstrap/create-tenant.js";
import { readSeedDir } from "../seeds.js";

const { values } = parseArgs({ options: { "seed-dir": { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
if (values.help) {
  console.log(`usage: alga-create-tenant [--seed-dir DIR] [--json]
  APPLIANCE_DATABASE_URL   the appliance's PostgreSQL (required)
  seeds: INITIAL_TENANT_ID, INITIAL_ADMIN_PASSWORD, INITIAL_ADMIN_EMAIL, INITIAL_COMPANY_NAME, EDITION,
         LICENSE_TOKEN, APPLIANCE_CREDENTIAL, CHECK_IN_URL, APPLIANCE_ID from the environment,
         or read from the manifests in --seed-dir (env ALGA_SEED_DIR)
exit codes: 0 created or already bootstrapped, 1 failed, 2 bad input, 3 bootstrapped for another tenant`);
  process.exit(0);
}
const databaseUrl = process.env.APPLIANCE_DATABASE_URL;
if (!databaseUrl) {
  console.error("APPLIANCE_DATABASE_URL is required");
  process.exit(2);
}
const seedDir = values["seed-dir"] ?? process.env.ALGA_SEED_DIR;
const seed: Record<string, string | undefined> = seedDir ? { ...process.env, ...readSeedDir(seedDir) } : { ...process.env };
try {
  const r = await createTenant(databaseUrl, seed);
  console.log(
    values.json
      ? JSON.stringify(r)
      : r.status === "created"
        ? `created tenant ${r.tenantId} (${r.edition}) with admin ${r.adminEmail}`
        : `already bootstrapped for tenant ${r.tenantId}: nothing to do`,
  );
} catch (err) {
  console.error(`create-tenant: ${(err as Error).message}`);
  process.exit(err instanceof BootstrapConflictError ? 3 : err instanceof BootstrapInputError ? 2 : 1);
}
