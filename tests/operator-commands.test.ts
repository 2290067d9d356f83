// The operator's commands (docs/OPERATIONS.md, "Commands"): their --help, and `npm run db:migrate` with and without
// DATABASE_URL (without it, the embedded database of DATA_DIR is migrated, as `npm start` would, and
// stopped again; not Prisma's "P1012 Environment variable not found").
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createEmptyDatabase } from "./helpers/postgres.js";
import { run } from "./helpers/processes.js";

const npm = (args: string[], env: Record<string, string> = {}) => run("npm", ["run", "--silent", ...args], { DATABASE_URL: "", ...env });

it.each([
  ["signing-key", "usage: npm run signing-key -- list | rotate | generate"],
  ["api-key", "npm run api-key -- create --role"],
  ["db:migrate", "usage: npm run db:migrate"],
])("npm run %s -- --help prints its usage and exits 0", async (script, usage) => {
  const r = await npm([script, "--", "--help"]);
  expect([r.code, r.stdout, r.stderr]).toEqual([0, expect.stringContaining(usage), ""]);
});

it("npm run signing-key with an unknown option or command exits 2 with its usage", async () => {
  for (const args of [["--bogus"], ["frobnicate"]]) {
    const r = await npm(["signing-key", "--", ...args]);
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining("usage: npm run signing-key")]);
  }
});

describe("npm run db:migrate", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "alga-migrate-"));
    chmodSync(dir, 0o755); // as root, the embedded PostgreSQL runs as the postgres user
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("without DATABASE_URL migrates the embedded database of DATA_DIR and stops it again", async () => {
    const dataDir = path.join(dir, "data");
    const r = await npm(["db:migrate"], { DATA_DIR: dataDir });
    expect([r.code, r.stdout.trim(), r.stderr]).toEqual([
      0,
      expect.stringMatching(new RegExp(`^the embedded database in ${dataDir}/pgdata is migrated \\(\\d+ migrations applied\\)$`)),
      "",
    ]);
    expect(existsSync(path.join(dataDir, "pgdata", "PG_VERSION"))).toBe(true);
    expect(existsSync(path.join(dataDir, "pgdata", "postmaster.pid"))).toBe(false); // not left running
    const again = await npm(["db:migrate"], { DATA_DIR: dataDir });
    expect([again.code, again.stdout]).toEqual([0, r.stdout]);
  }, 120_000);

  it("with DATABASE_URL applies Prisma's migrations to that database", async () => {
    const db = await createEmptyDatabase("migrate");
    const r = await npm(["db:migrate"], { DATABASE_URL: db.url });
    expect([r.code, r.stdout]).toEqual([0, expect.stringContaining("migrations have been successfully applied")]);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      expect((await client.query("SELECT to_regclass('public.tenant_registry')::text AS t")).rows).toEqual([{ t: "tenant_registry" }]);
    } finally {
      await client.end();
    }
    const again = await npm(["db:migrate"], { DATABASE_URL: db.url });
    expect([again.code, again.stdout]).toEqual([0, expect.stringContaining("No pending migrations to apply")]);
    await db.drop();
  }, 120_000);
});
