// npm run bench — the project's performance record. On a scratch database it starts the API (compiled,
// its own process) and the raw baseline (bench/baseline), seeds a registry, a fleet and install codes by
// SQL, then loads both servers alternately per cell (scenario × concurrency) with autocannon, and runs
// a time-compressed day of the fleet against the API. Prints a table, writes bench/results.json.
//   npm run bench                 full run (docs/BENCHMARKS.md)
//   npm run bench -- --smoke      tiny run (tests/bench-smoke.test.ts)
//   npm run bench -- --fleet      the fleet simulation only;  --no-fleet: the cells only
//   npm run bench -- --out FILE   results elsewhere (BENCH_OUT)
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createApiKey } from "../api/src/domain/api-keys.js";
import { generateSigningKey } from "../api/src/license/signing-keys.js";
import { createScratchDatabase, serverVersion } from "./database.js";
import { simulateFleet, type FleetResult } from "./fleet.js";
import { runCell } from "./load.js";
import { parseOptions, type Scenario } from "./options.js";
import { startApi, startBaseline, type Server } from "./processes.js";
import { fleetLine, machine, TABLE_HEADER, tableRow, type Cell } from "./report.js";
import { requestsOf, type ScenarioInputs } from "./scenarios.js";
import { fleetIdentities, seedFleet, seedInstallCodes, seedRegistry } from "./seed.js";

const o = parseOptions(process.argv.slice(2));
// Ctrl-C: exit through process 'exit', which stops the servers (processes.ts)
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));
const log = (line: string) => process.stdout.write(`${line}\n`);
const runId = randomBytes(3).toString("hex");
const db = await createScratchDatabase(o.adminUrl);
const dataDir = mkdtempSync(path.join(os.tmpdir(), "alga-bench-"));
const servers: Server[] = [];
let pool: pg.Pool | undefined;

/** Waits (at most a minute) until the server used under 5% of a core over a second. */
async function idle(server: Server): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const before = server.cpuMs();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (server.cpuMs() - before < 50) return;
  }
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await fn();
  log(`  ${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return result;
}

try {
  const shared = {
    databaseUrl: db.url,
    serverSecret: randomBytes(32).toString("base64url"),
    signingKeys: JSON.stringify([(await generateSigningKey()).jwk]),
    dataDir,
  };
  log(`alga-license bench${o.smoke ? " (smoke)" : ""}: database ${db.name}, ${o.seconds} s per cell, concurrency ${o.concurrencies.join("/")}`);
  const api = await timed("API started, migrations applied (node api/dist/main.js)", () => startApi(shared));
  servers.push(api);
  // another build of the API beside this one, loaded in the same cells (before/after a change)
  const compared = o.compareApi
    ? await timed(`compared API started (${path.relative(process.cwd(), o.compareApi)})`, () => startApi(shared, {}, o.compareApi!, "compared"))
    : undefined;
  if (compared) servers.push(compared);
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const m = machine(await serverVersion(pool));
  log(`  machine: ${m.cpus} × ${m.cpuModel}, Node ${m.node}, PostgreSQL ${m.postgres}, load average ${m.loadAverageAtStart.join(" ")}`);

  await timed(`registry seeded: ${o.searchRows.toLocaleString("en")} tenants (generate_series), analyzed`, () => seedRegistry(pool!, o.searchRows));
  await timed(`fleet seeded: ${o.fleetSize.toLocaleString("en")} appliances with known credentials`, () => seedFleet(pool!, o.fleetSize));
  const codes: string[] = [];
  let codeCursor = 0;
  const topUpCodes = async (wanted: number) => {
    const missing = wanted - (codes.length - codeCursor);
    if (missing > 0) codes.push(...(await seedInstallCodes(pool!, shared.serverSecret, missing)));
  };
  const inputs: ScenarioInputs = {
    checkInPool: Math.min(o.fleetSize, 20_000),
    codes: { next: () => codes[codeCursor++] },
    storeKey: (await createApiKey(pool, "STORE", "bench-store")).key,
    supportKey: (await createApiKey(pool, "SUPPORT", "bench-support")).key,
    searchText: o.searchText,
    runId,
  };

  const cells: Cell[] = [];
  if (o.runCells) {
    const baseline = await timed("baseline started (bench/baseline/server.ts)", () => startBaseline(shared));
    servers.push(baseline);
    log(`\n${TABLE_HEADER}`);
    for (const scenario of o.scenarios) {
      const next = requestsOf(scenario, inputs);
      let bestRps = 200;
      const prepare = async (seconds: number) => {
        if (scenario === "redeemInstallCode") await topUpCodes(Math.ceil(bestRps * 1.5 * seconds) + 500);
      };
      if (o.warmupSeconds > 0) {
        for (const server of [api, ...(compared ? [compared] : []), baseline]) {
          await prepare(o.warmupSeconds);
          bestRps = Math.max(bestRps, (await runCell(server, next, 16, o.warmupSeconds)).rps);
        }
      }
      for (const concurrency of o.concurrencies) {
        // alternating: the API (and the compared one), then the baseline, under the same conditions
        const results = [];
        for (const server of [api, ...(compared ? [compared] : []), baseline]) {
          await prepare(o.seconds);
          const r = await runCell(server, next, concurrency, o.seconds);
          bestRps = Math.max(bestRps, r.rps);
          results.push(r);
        }
        const a = results[0]!;
        const b = results[results.length - 1]!;
        const cell: Cell = { scenario: scenario as Scenario, concurrency, api: a, baseline: b, ratio: b.rps ? a.rps / b.rps : 0 };
        if (compared) Object.assign(cell, { compare: results[1]!, compareRatio: b.rps ? results[1]!.rps / b.rps : 0 });
        cells.push(cell);
        log(tableRow(cell));
        for (const r of results) if (r.firstError) log(`    ${r.server} error sample: ${r.firstError}`);
      }
    }
    await baseline.stop();
    servers.splice(servers.indexOf(baseline), 1);
  }

  const fleet: FleetResult[] = [];
  // written after the cells and again after each fleet run: a long run that fails keeps what it measured
  const save = () => {
    m.loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
    const results = {
      machine: m,
      settings: {
        smoke: o.smoke,
        secondsPerCell: o.seconds,
        warmupSeconds: o.warmupSeconds,
        concurrencies: o.concurrencies,
        searchRows: o.searchRows,
        searchText: o.searchText,
        fleetSize: o.fleetSize,
        fleetCompression: o.fleetCompression,
        fleetConnections: o.fleetConnections,
        herdSize: o.herdSize,
        compareApi: o.compareApi,
        api: "node api/dist/main.js, DATABASE_POOL_SIZE 10, MAX_INFLIGHT_REQUESTS 256 (defaults), LOG_LEVEL warn, mail to the local outbox folder",
        baseline: "node:http + pg (pool 10) + jose, bench/baseline/server.ts",
      },
      cells,
      fleet,
    };
    mkdirSync(path.dirname(o.out), { recursive: true });
    writeFileSync(o.out, `${JSON.stringify(results, null, 2)}\n`);
  };
  save();
  if (o.runFleet) {
    log("");
    // the cells leave work behind (the outbox delivering the registrations' emails): the day starts on an idle API
    await timed("API idle", () => idle(api));
    const identities = await fleetIdentities(pool, o.fleetSize);
    const spread = await simulateFleet(api, identities, { compression: o.fleetCompression, connections: o.fleetConnections, log });
    log(fleetLine(spread));
    fleet.push(spread);
    save();
    if (o.herdSize > 0) {
      const herd = await simulateFleet(api, identities.slice(0, o.herdSize), {
        compression: o.fleetCompression,
        connections: o.fleetConnections,
        herd: true,
        log,
      });
      log(fleetLine(herd));
      fleet.push(herd);
    }
  }

  save();
  log(`\nload average at the end: ${m.loadAverageAtEnd!.join(" ")}`);
  log(`results: ${path.relative(process.cwd(), o.out)}`);
} finally {
  await pool?.end();
  for (const s of servers) await s.stop();
  await db.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
