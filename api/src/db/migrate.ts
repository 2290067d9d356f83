// Migrations: Prisma's own `migrate deploy` (JS engine, offline; see prisma.config.ts), run as a child
// only when something is pending — the usual start on a current database checks one table instead.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Queryable } from "./sql.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const MIGRATIONS = path.join(root, "prisma/migrations");

/** Migrations in the folder that the database has not applied (or applied from different SQL). */
export async function pendingMigrations(q: Queryable): Promise<string[]> {
  const local = readdirSync(MIGRATIONS, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(MIGRATIONS, e.name, "migration.sql")))
    .map((e) => ({
      name: e.name,
      checksum: createHash("sha256")
        .update(readFileSync(path.join(MIGRATIONS, e.name, "migration.sql")))
        .digest("hex"),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const table = await q.query<{ t: string | null }>(`SELECT to_regclass('public._prisma_migrations')::text AS t`);
  if (!table.rows[0]?.t) return local.map((m) => m.name);
  const { rows } = await q.query<{ name: string; checksum: string }>(
    `SELECT migration_name AS name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  const applied = new Map(rows.map((r) => [r.name, r.checksum]));
  return local.filter((m) => applied.get(m.name) !== m.checksum).map((m) => m.name);
}

export async function migrateDeploy(databaseUrl: string, log: (line: string) => void = () => {}): Promise<void> {
  const cli = createRequire(import.meta.url).resolve("prisma/build/index.js");
  const child = spawn(process.execPath, [cli, "migrate", "deploy"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const line of chunk.toString().split("\n")) if (line.trim() && !line.includes("nodedir")) log(line.trim());
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (code !== 0) throw new Error(`prisma migrate deploy failed (exit ${code}):\n${output.trim()}`);
}

/** Applies pending migrations; returns their names (empty: the database was current). */
export async function migrateIfNeeded(q: Queryable, databaseUrl: string, log?: (line: string) => void): Promise<string[]> {
  const pending = await pendingMigrations(q);
  if (pending.length) await migrateDeploy(databaseUrl, log);
  return pending;
}
