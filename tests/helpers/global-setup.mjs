// Runs once before the suite (plain JS: Jest loads global setup outside its module mapping).
// Migrates the template database that every test file clones, with Prisma's own migrate deploy.
import { execFileSync } from "node:child_process";
import pg from "pg";

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const TEMPLATE_DB = "alga_test_template";

export async function dropTestDatabases() {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT datname FROM pg_database WHERE datname LIKE 'alga_test_%'");
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export default async function globalSetup() {
  await dropTestDatabases();
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  await client.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await client.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${TEMPLATE_DB}`;
  execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: url.toString() },
    stdio: ["ignore", "ignore", "inherit"],
  });
}
