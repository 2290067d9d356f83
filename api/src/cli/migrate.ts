// npm run db:migrate: applies the pending migrations.
//   DATABASE_URL set   Prisma's `migrate deploy` against it, with Prisma's own output (the chart's
//                      migration Job runs this before a new version starts)
//   no DATABASE_URL    the embedded database of DATA_DIR, as `npm start` would migrate it (through the
//                      running API's database when one holds DATA_DIR)
// Exit codes: 0 migrated or current, 1 failed, 2 invalid configuration — also without DATABASE_URL
// where there is no embedded PostgreSQL (the production image).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, loadConfig } from "../config.js";
import { DataDirBusyError } from "../db/data-dir-lock.js";
import { embeddedUrlFile } from "../db/embedded.js";
import { migrateIfNeeded } from "../db/migrate.js";
import { CliError, withDatabase } from "./database.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

async function main(): Promise<number> {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log("usage: npm run db:migrate   (DATABASE_URL, or else the embedded database of DATA_DIR)");
    return 0;
  }
  const config = loadConfig();
  if (config.databaseUrl) {
    const prisma = createRequire(import.meta.url).resolve("prisma/build/index.js");
    const r = spawnSync(process.execPath, [prisma, "migrate", "deploy"], {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    });
    return r.status ?? 1;
  }
  const applied = await withDatabase(config, "npm run db:migrate", async (db) => {
    // opened here: migrated on opening; a running API's (its URL file is there): migrated at its start,
    // unless MIGRATE_ON_START=false
    const runningUrl = embeddedUrlFile(config.dataDir);
    if (existsSync(runningUrl)) await migrateIfNeeded(db, readFileSync(runningUrl, "utf8").trim());
    return (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL")).rows[0]!.n;
  });
  console.log(`the embedded database in ${path.join(config.dataDir, "pgdata")} is migrated (${applied} migrations applied)`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError || (err instanceof CliError && err.exitCode === 2)) {
      console.error(`db:migrate: ${err.message}`);
      process.exit(2);
    }
    if (err instanceof CliError || err instanceof DataDirBusyError) {
      console.error(`db:migrate: ${err.message}`);
      process.exit(1);
    }
    console.error(`db:migrate: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    process.exit(1);
  },
);
