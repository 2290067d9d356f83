#!/usr/bin/env node
// alga-create-tenant: bootstrap the appliance database from the seeds (Secret values in the
// environment, as the chart's Job provides them, or --seed-dir with the wizard's manifests). Its
// flags, variables and exit codes are declared in commands.ts; --help is generated.
import path from "node:path";
import { BootstrapConflictError, BootstrapInputError, createTenant } from "../bootstrap/create-tenant.js";
import { databaseProblem } from "../bootstrap/appliance-schema.js";
import { commandHelp } from "@alga-license/contract";
import { CREATE_TENANT } from "../commands.js";
import { createTenantSettings, UsageError, type CreateTenantSettings } from "../config.js";
import { CREATE_TENANT_EXIT as EXIT } from "../failure-exits.js";
import { readSeedDir, SeedFileError } from "../seeds.js";

let s: CreateTenantSettings;
try {
  s = createTenantSettings(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`create-tenant: ${err.problems.join("\ncreate-tenant: ")}\n(--help lists every setting)`);
  process.exit(EXIT.USAGE);
}
if (s.help) {
  console.log(commandHelp(CREATE_TENANT));
  process.exit(0);
}
let seed: Record<string, string | undefined>;
try {
  seed = s.seedDir ? { ...process.env, ...readSeedDir(s.seedDir) } : { ...process.env };
} catch (err) {
  if (!(err instanceof SeedFileError)) throw err;
  if (s.json) console.log(JSON.stringify({ ok: false, exitCode: EXIT.USAGE, error: err.message }));
  console.error(`create-tenant: ${err.message}`);
  process.exit(EXIT.USAGE);
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
  const code = err instanceof BootstrapConflictError ? EXIT.OTHER_TENANT : err instanceof BootstrapInputError ? EXIT.USAGE : EXIT.FAILED;
  const message =
    err instanceof BootstrapConflictError || err instanceof BootstrapInputError
      ? err.message
      : `the appliance database could not be bootstrapped (${databaseProblem(err)})`;
  if (s.json) console.log(JSON.stringify({ ok: false, exitCode: code, error: message }));
  console.error(`create-tenant: ${message}`);
  process.exit(code);
}
