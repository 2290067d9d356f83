// The bench cannot rot: its smoke run (`npm run bench -- --smoke`: 1 s cells at concurrency 1 and 4,
// 1,000 registry rows, a 300-appliance fleet) runs here as a real process, the API and the baseline
// as theirs, and must complete every cell without an error and write valid results — to a temporary
// file, so the committed bench/results.json stays the full run's.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SCENARIOS } from "../bench/options.js";
import { ADMIN_URL } from "./helpers/postgres.js";
import { run } from "./helpers/processes.js";

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), "alga-bench-smoke-"))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the smoke bench loads every scenario on the API and the baseline, and simulates a fleet", async () => {
  const out = path.join(dir, "results.json");
  const r = await run(process.execPath, ["--import", "tsx", "bench/main.ts", "--smoke", "--out", out], { BENCH_DATABASE_URL: ADMIN_URL });
  expect({ code: r.code, stderr: r.stderr.slice(-2000) }).toEqual({ code: 0, stderr: expect.any(String) });
  expect(r.stdout).toMatch(/\| checkIn \| 1 \|/);

  const results = JSON.parse(readFileSync(out, "utf8"));
  expect(results.machine).toEqual(expect.objectContaining({ cpus: expect.any(Number), node: process.version, date: expect.any(String) }));
  expect(results.cells.map((c: any) => `${c.scenario}@${c.concurrency}`)).toEqual(SCENARIOS.flatMap((s) => [`${s}@1`, `${s}@4`]));
  for (const cell of results.cells) {
    for (const side of [cell.api, cell.baseline]) {
      expect({ cell: `${cell.scenario}@${cell.concurrency} ${side.server}`, errors: side.errors, firstError: side.firstError }).toEqual({
        cell: expect.any(String),
        errors: 0,
        firstError: undefined,
      });
      expect(side.requests).toBeGreaterThan(0);
      expect(side.cpuMsPerRequest).toBeGreaterThan(0);
      expect(side.rssMb).toBeGreaterThan(0);
    }
    expect(cell.ratio).toBeGreaterThan(0);
  }
  expect(results.fleet).toHaveLength(1);
  expect(results.fleet[0]).toEqual(expect.objectContaining({ mode: "spread", appliances: 300, refreshed: 300, failed: 0 }));
}, 600_000);
