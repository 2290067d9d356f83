// A fleet's day against one API process, time-compressed. Every appliance does what its daily
// check-in agent does (setup-tui/src/checkin/agent.ts, run by the chart's CronJob "17 3 * * *"): wait
// its own deterministic slot within ALGA_CHECKIN_SPREAD_SECONDS (default 3600), fetch the vendor's key
// document, then check in — each call retried by the agent's own policy (the contract's withRetries: backoff,
// or the Retry-After a shedding API asks for, with jitter). The agent's code is used from its compiled
// output; only its waits are divided by the compression factor. Compression divides the agent's time,
// not the server's: the API meets `compression` times the real fleet's request rate, so a fleet that
// passes compressed has that much headroom at real speed. An appliance fails its day when its run ends
// without a new license (attempts exhausted or a refusal).
import { defaultSleep as sleep, withRetries } from "@alga-license/contract";
import { checkInPolicy } from "../setup-tui/dist/checkin/agent.js";
import { asServiceError, checkIn, failureCode, fetchKeyHandover } from "../setup-tui/dist/license-api.js";
import { spreadDelaySeconds } from "../setup-tui/dist/checkin/spread.js";
import type { Server } from "./processes.js";
import { fleetCredential } from "./seed.js";

/** The agent's defaults (check-in CLI: --attempts 4, --retry-delay-ms 1000, --max-wait-seconds 300). */
export const AGENT_POLICY = checkInPolicy({});
/** ALGA_CHECKIN_SPREAD_SECONDS' default */
export const SPREAD_SECONDS = 3600;
const DAY_SECONDS = 86_400;

export interface FleetResult {
  mode: "spread" | "herd";
  appliances: number;
  compression: number;
  /** simulated seconds the spread window lasts (0: the naive herd, everyone at 03:17:00) */
  spreadSeconds: number;
  wallSeconds: number;
  /** HTTP answers (key document and check-in, shed ones included) */
  requests: number;
  peakRps: number;
  /** the offered check-in rate over the compressed window, appliances per wall second */
  offeredRps: number;
  checkInP50Ms: number;
  checkInP99Ms: number;
  serviceBusy: number;
  retries: number;
  refreshed: number;
  failed: number;
  /** refreshed, but later than their day (the next day's run) in simulated time */
  late: number;
  failures: Record<string, number>;
  apiCpuMsPerAppliance: number;
  apiPeakRssMb: number;
  /** the API's memory by its own /metrics (prom-client's process and V8 gauges), sampled every 2 s: the sample of the highest RSS */
  apiMemoryAtPeak?: MemorySample;
}

const percentile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);

export async function simulateFleet(
  api: Server,
  identities: { n: number; tenantId: string; applianceId: string }[],
  o: { compression: number; connections: number; herd?: boolean; log?: (line: string) => void },
): Promise<FleetResult> {
  const spreadSeconds = o.herd ? 0 : SPREAD_SECONDS;
  const perSecond = new Map<number, number>();
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let serviceBusy = 0;
  let retries = 0;
  let refreshed = 0;
  let late = 0;
  let requests = 0;
  let peakRss = api.rssMb();
  const started = performance.now();
  const cpuBefore = api.cpuMs();
  const rssTimer = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, api.rssMb());
    } catch {
      /* a sample missed */
    }
  }, 500);
  rssTimer.unref();
  // what holds the RSS: V8's heap (used, total), memory outside it (Buffers, WASM), from the API's /metrics
  let memoryAtPeak: MemorySample | undefined;
  const memoryTimer = setInterval(() => {
    void memorySample(api.url).then((m) => {
      if (m && (!memoryAtPeak || m.rssMb > memoryAtPeak.rssMb)) memoryAtPeak = m;
    });
  }, 2000);
  memoryTimer.unref();
  const elapsedMs = () => performance.now() - started;
  const failed = () => Object.values(failures).reduce((x, y) => x + y, 0);

  // At most `connections` calls in flight, as a proxy in front of the API holds the excess: without a
  // cap a compressed herd opens tens of thousands of sockets and exhausts both processes' descriptors.
  let inFlight = 0;
  const queue: (() => void)[] = [];
  const slot = () => (inFlight < o.connections ? (inFlight++, Promise.resolve()) : new Promise<void>((resolve) => queue.push(resolve)));
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else inFlight--;
  };

  /** one call, counted: its answer's second, its latency (a wait for a connection included), whether the service shed it */
  async function counted<T>(call: () => Promise<T>, isCheckIn: boolean): Promise<T> {
    const t0 = performance.now();
    await slot();
    try {
      return await call();
    } catch (err) {
      if (asServiceError(err).code === "SERVICE_BUSY") serviceBusy++;
      throw err;
    } finally {
      release();
      const second = Math.floor(elapsedMs() / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
      requests++;
      if (isCheckIn) latencies.push(performance.now() - t0);
    }
  }

  const hooks = { wait: (ms: number) => sleep(ms / o.compression), onWait: () => void retries++ };
  async function agent(a: { n: number; tenantId: string; applianceId: string }): Promise<void> {
    try {
      await withRetries(() => counted(() => fetchKeyHandover(api.url), false), AGENT_POLICY, hooks);
      const r = await withRetries(
        () => counted(() => checkIn(`${api.url}/graphql`, fleetCredential(a.n), { applianceId: a.applianceId, applianceVersion: "fleet" }), true),
        AGENT_POLICY,
        hooks,
      );
      if (!r.token) throw new Error("no token");
      refreshed++;
      if (elapsedMs() / 1000 > DAY_SECONDS / o.compression) late++;
    } catch (err) {
      // the last answer's code (attempts exhausted on SERVICE_BUSY, UNREACHABLE, …) or the refusal's
      const code = failureCode(asServiceError(err));
      failures[code] = (failures[code] ?? 0) + 1;
    }
  }

  const schedule = identities
    .map((a) => ({ a, atMs: (spreadDelaySeconds(a.tenantId, a.applianceId, spreadSeconds) / o.compression) * 1000 }))
    .sort((x, y) => x.atMs - y.atMs);
  const runs: Promise<void>[] = [];
  let lastLog = 0;
  for (const { a, atMs } of schedule) {
    const wait = atMs - elapsedMs();
    if (wait > 1) await sleep(wait);
    runs.push(agent(a));
    if (o.log && elapsedMs() - lastLog > 10_000) {
      lastLog = elapsedMs();
      o.log(
        `  fleet: ${runs.length} of ${schedule.length} started, ${refreshed} refreshed, ${failed()} failed, ${requests} answers, ${serviceBusy} shed, ${retries} retries, ${(elapsedMs() / 1000).toFixed(0)} s`,
      );
    }
  }
  await Promise.all(runs);
  clearInterval(rssTimer);
  clearInterval(memoryTimer);
  const wallSeconds = elapsedMs() / 1000;
  latencies.sort((x, y) => x - y);
  const windowWall = spreadSeconds / o.compression;
  return {
    mode: o.herd ? "herd" : "spread",
    appliances: identities.length,
    compression: o.compression,
    spreadSeconds,
    wallSeconds,
    requests,
    peakRps: Math.max(0, ...perSecond.values()),
    offeredRps: windowWall > 0 ? identities.length / windowWall : identities.length,
    checkInP50Ms: percentile(latencies, 0.5),
    checkInP99Ms: percentile(latencies, 0.99),
    serviceBusy,
    retries,
    refreshed,
    failed: identities.length - refreshed,
    late,
    failures,
    apiCpuMsPerAppliance: (api.cpuMs() - cpuBefore) / identities.length,
    apiPeakRssMb: peakRss,
    apiMemoryAtPeak: memoryAtPeak,
  };
}

export interface MemorySample {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  /** V8 heap spaces' used MB (new, old, code, large object…) */
  heapSpacesMb: Record<string, number>;
}

async function memorySample(url: string): Promise<MemorySample | undefined> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(1500) })).text();
    const mb = (name: string) => Number(new RegExp(`^alga_license_${name} (\\S+)`, "m").exec(text)?.[1] ?? NaN) / 2 ** 20;
    const heapSpacesMb: Record<string, number> = {};
    for (const m of text.matchAll(/^alga_license_nodejs_heap_space_size_used_bytes\{space="([^"]+)"\} (\S+)/gm))
      heapSpacesMb[m[1]!] = Math.round(Number(m[2]) / 2 ** 20);
    return {
      rssMb: mb("process_resident_memory_bytes"),
      heapUsedMb: mb("nodejs_heap_size_used_bytes"),
      heapTotalMb: mb("nodejs_heap_size_total_bytes"),
      externalMb: mb("nodejs_external_memory_bytes"),
      heapSpacesMb,
    };
  } catch {
    return undefined;
  }
}
