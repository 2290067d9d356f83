// What a bench run does, from flags and BENCH_* variables. `--smoke` is the tiny run `npm test` makes
// (tests/bench-smoke.test.ts); the full run is the performance record in docs/BENCHMARKS.md.
import path from "node:path";

export const SCENARIOS = ["checkIn", "redeemInstallCode", "registerTenant", "tenants"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface BenchOptions {
  smoke: boolean;
  adminUrl: string;
  /** seconds per cell */
  seconds: number;
  /** seconds of unrecorded load per scenario and server before its cells (JIT, pools, caches) */
  warmupSeconds: number;
  concurrencies: number[];
  scenarios: Scenario[];
  searchRows: number;
  searchText: string;
  /** appliances seeded for checkIn and the fleet */
  fleetSize: number;
  runCells: boolean;
  runFleet: boolean;
  /** simulated seconds per wall second in the fleet simulation */
  fleetCompression: number;
  /** calls in flight at most in the fleet simulation (a proxy's connection pool) */
  fleetConnections: number;
  /** appliances of the naive herd (all at the same instant); 0 skips it */
  herdSize: number;
  out: string;
  /** another compiled API (its main.js) run beside the API in every cell, e.g. a copy of api/dist from before a change */
  compareApi?: string;
}

function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${raw} is not a non-negative number`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions {
  const flag = (name: string) => argv.includes(`--${name}`);
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const smoke = flag("smoke");
  const onlyFleet = flag("fleet");
  const scenarios = (process.env.BENCH_SCENARIOS ?? SCENARIOS.join(","))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of scenarios)
    if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`BENCH_SCENARIOS: "${s}" is not one of ${SCENARIOS.join(", ")}`);
  return {
    smoke,
    adminUrl: process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
    seconds: numberEnv("BENCH_SECONDS", smoke ? 1 : 5),
    warmupSeconds: numberEnv("BENCH_WARMUP_SECONDS", smoke ? 0 : 2),
    concurrencies: (process.env.BENCH_CONCURRENCY ?? (smoke ? "1,4" : "1,16,64")).split(",").map(Number),
    scenarios: scenarios as Scenario[],
    searchRows: numberEnv("BENCH_SEARCH_ROWS", smoke ? 1000 : 1_000_000),
    searchText: process.env.BENCH_SEARCH_TEXT ?? "Quantum Harbor",
    fleetSize: numberEnv("BENCH_FLEET", smoke ? 300 : 100_000),
    runCells: !onlyFleet,
    runFleet: !flag("no-fleet"),
    // the spread hour in 10 minutes by default (6 × the real fleet's rate); the smoke run's in 4 seconds
    fleetCompression: numberEnv("BENCH_FLEET_COMPRESSION", smoke ? 900 : 6),
    fleetConnections: numberEnv("BENCH_FLEET_CONNECTIONS", 1024),
    herdSize: numberEnv("BENCH_HERD", smoke ? 0 : 5000),
    compareApi: process.env.BENCH_COMPARE_API ? path.resolve(process.env.BENCH_COMPARE_API) : undefined,
    out: path.resolve(value("out") ?? process.env.BENCH_OUT ?? path.join(import.meta.dirname, "results.json")),
  };
}
