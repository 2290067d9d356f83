// The printed table and bench/results.json.
import os from "node:os";
import type { CellResult } from "./load.js";
import type { FleetResult } from "./fleet.js";
import type { Scenario } from "./options.js";

export interface Cell {
  scenario: Scenario;
  concurrency: number;
  api: CellResult;
  baseline: CellResult;
  /** API requests/s ÷ baseline requests/s, same run */
  ratio: number;
  /** the compared API (BENCH_COMPARE_API) in the same cell, and its ratio to the baseline */
  compare?: CellResult;
  compareRatio?: number;
}

export interface Machine {
  cpuModel: string;
  cpus: number;
  memoryGb: number;
  node: string;
  postgres: string;
  date: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
}

export function machine(postgres: string): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? "unknown",
    cpus: cpus.length,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    postgres,
    date: new Date().toISOString(),
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const f = (n: number, digits = 0) => n.toFixed(digits);
const ms = (n: number) => (n < 10 ? n.toFixed(1) : n.toFixed(0));

export const TABLE_HEADER =
  "| scenario | conc. | API req/s | baseline req/s | ratio | API p50 / p99 ms | baseline p50 / p99 ms | API CPU ms/req | baseline CPU ms/req | API RSS MB | baseline RSS MB | errors API / baseline |\n" +
  "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|";

export function tableRow(c: Cell): string {
  const row = tableLine(c.scenario, c.api, c.baseline, c.ratio, c.concurrency);
  return c.compare ? `${row}\n${tableLine(`${c.scenario} (compared API)`, c.compare, c.baseline, c.compareRatio ?? 0, c.concurrency)}` : row;
}

function tableLine(label: string, a: CellResult, b: CellResult, ratio: number, concurrency: number): string {
  return `| ${label} | ${concurrency} | ${f(a.rps)} | ${f(b.rps)} | ${f(ratio, 2)} | ${ms(a.p50Ms)} / ${ms(a.p99Ms)} | ${ms(b.p50Ms)} / ${ms(b.p99Ms)} | ${f(a.cpuMsPerRequest, 2)} | ${f(b.cpuMsPerRequest, 2)} | ${f(a.rssMb)} | ${f(b.rssMb)} | ${a.errors} / ${b.errors} |`;
}

export function fleetLine(r: FleetResult): string {
  const failures = Object.entries(r.failures)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return (
    `${r.mode === "herd" ? "naive herd (no spread)" : `spread ${r.spreadSeconds} s`}: ${r.appliances} appliances, time ×${r.compression} ` +
    `(offered ${f(r.offeredRps)} check-ins/s), ${f(r.wallSeconds, 1)} s wall; peak ${f(r.peakRps)} req/s, check-in p50 ${ms(r.checkInP50Ms)} ms p99 ${ms(r.checkInP99Ms)} ms; ` +
    `SERVICE_BUSY ${r.serviceBusy}, retries ${r.retries}; refreshed ${r.refreshed}, failed ${r.failed}${failures ? ` (${failures})` : ""}, late ${r.late}; ` +
    `API CPU ${f(r.apiCpuMsPerAppliance, 2)} ms/appliance, peak RSS ${f(r.apiPeakRssMb)} MB` +
    (r.apiMemoryAtPeak
      ? ` (at the highest sample: RSS ${f(r.apiMemoryAtPeak.rssMb)} MB = V8 heap ${f(r.apiMemoryAtPeak.heapTotalMb)} MB (${f(r.apiMemoryAtPeak.heapUsedMb)} used: ${Object.entries(
          r.apiMemoryAtPeak.heapSpacesMb,
        )
          .filter(([, v]) => v > 0)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}), external ${f(r.apiMemoryAtPeak.externalMb)} MB, the rest code, stacks and native)`
      : "")
  );
}
