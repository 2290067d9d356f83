// Scratch databases on the real PostgreSQL the global setup picked (TEST_DATABASE_URL, default
// 127.0.0.1:5432, or its own embedded one). It migrates one template database per run; each test
// file clones it (fast). Names carry the run (ALGA_TEST_RUN), so parallel runs never collide.
import { randomBytes } from "node:crypto";
import pg from "pg";

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
export const TEST_RUN = process.env.ALGA_TEST_RUN ?? `alga_t${process.pid}`;
export const TEMPLATE_DB = `${TEST_RUN}_tpl`;

export function databaseUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function adminQuery(sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database cloned from the template; drop() removes it. */
export async function createScratchDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${TEST_RUN}_${randomBytes(6).toString("hex")}`;
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
  return {
    name,
    url: databaseUrl(name),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined),
  };
}

/** An empty database (e.g. an appliance's own), dropped with the run's databases. */
export async function createEmptyDatabase(label = "empty"): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${TEST_RUN}_${label}_${randomBytes(4).toString("hex")}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  return { name, url: databaseUrl(name), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined) };
}
