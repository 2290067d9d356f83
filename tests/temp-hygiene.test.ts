// A test run leaves nothing in the temporary folder: a child Jest run (chart lint through helm, on a
// PostgreSQL of its own from npm) under a fresh TMPDIR, which must be empty of alga-* folders after it.
// (It left alga-helm-home-* — one per worker — and the embedded server's alga-test-pg-* behind.)
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "hygiene-"));
  chmodSync(tmp, 0o755); // the embedded PostgreSQL runs as the postgres user when the tests run as root
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it("the temporary folder holds no alga-* folders after a run with helm and the embedded PostgreSQL", async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, ALGA_TEST_POSTGRES: "embedded", NODE_OPTIONS: "--experimental-vm-modules" };
  delete env.TEST_DATABASE_URL; // the child picks its own server, under its own run name
  delete env.ALGA_TEST_RUN;
  // Jest's transform cache stays where it is (its default lives in the temporary folder too)
  const cacheDirectory = path.join(os.tmpdir(), `jest_${(process.getuid?.() ?? 0).toString(36)}`);
  const child = spawn(process.execPath, ["node_modules/jest/bin/jest.js", "tests/charts.test.ts", "-t", "helm lint", `--cacheDirectory=${cacheDirectory}`], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  expect([code, output]).toEqual([0, expect.stringContaining("a PostgreSQL of their own")]);
  expect(output).toMatch(/Tests: +\d+ skipped, \d+ passed/);
  expect(readdirSync(tmp).filter((f) => f.startsWith("alga-"))).toEqual([]);
}, 300_000);
