// Authors a migration from the schema: `npm run db:diff -- <name>`.
// (`prisma migrate dev` is unreliable on the JS engine; diff + deploy is the supported pair here.)
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const name = (process.argv[2] ?? "").replace(/[^a-z0-9_]+/gi, "_").toLowerCase();
if (!name) {
  console.error("usage: npm run db:diff -- <migration_name>");
  process.exit(2);
}
const sql = execFileSync(
  process.execPath,
  [
    "node_modules/prisma/build/index.js",
    "migrate",
    "diff",
    "--from-migrations",
    "prisma/migrations",
    "--to-schema-datamodel",
    "prisma/schema.prisma",
    "--script",
  ],
  { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
);
// the diff always repeats CREATE EXTENSION IF NOT EXISTS for schema extensions (a no-op): ignore it
const meaningful = sql.replace(/^--.*$/gm, "").replace(/^CREATE EXTENSION IF NOT EXISTS .*;$/gm, "");
if (!/^\s*[A-Z]/m.test(meaningful)) {
  console.log("schema and migrations agree: nothing to write");
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const dir = path.join("prisma/migrations", `${stamp}_${name}`);
mkdirSync(dir, { recursive: true });
// Prisma's JS engine splits scripts on every ';', comments included: keep them out of comments
writeFileSync(path.join(dir, "migration.sql"), sql);
console.log(`wrote ${dir}/migration.sql`);
