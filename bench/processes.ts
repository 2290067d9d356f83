// The two servers under load, each its own process: the API from its compiled JavaScript and the raw
// baseline. What they cost is read from /proc: CPU (utime + stime, every thread) and resident memory.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
/** USER_HZ: /proc times are in clock ticks of 1/100 s on Linux */
const TICK_MS = 10;

export interface Server {
  name: "api" | "compared" | "baseline";
  url: string;
  pid: number;
  /** CPU time the process has used so far, in ms */
  cpuMs(): number;
  rssMb(): number;
  /** the last lines it wrote to stderr (for a failure's message) */
  tail(): string;
  stop(): Promise<void>;
}

export function cpuMsOf(pid: number): number {
  // the command name (field 2) may hold spaces: count fields after its closing parenthesis
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

export function rssMbOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb ?? 0) / 1024;
}

// A bench that dies (an error, Ctrl-C) takes its servers with it: they are not detached.
const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

async function start(name: Server["name"], args: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 120_000): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  let log = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs / 1000} s:\n${log}`)), timeoutMs);
    child.stderr!.on("data", (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-8000);
      const m = ready.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${log}`));
    });
  });
  const pid = child.pid!;
  return {
    name,
    url,
    pid,
    cpuMs: () => cpuMsOf(pid),
    rssMb: () => rssMbOf(pid),
    tail: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const force = setTimeout(() => child.kill("SIGKILL"), 15_000);
        child.once("exit", () => {
          clearTimeout(force);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

export interface SharedSettings {
  databaseUrl: string;
  serverSecret: string;
  signingKeys: string;
  dataDir: string;
}

/** The API as production runs it (`node api/dist/main.js`), migrating the scratch database on start. */
export function startApi(s: SharedSettings, extra: Record<string, string> = {}, entry = "api/dist/main.js", name: "api" | "compared" = "api"): Promise<Server> {
  return start(
    name,
    // BENCH_API_NODE_ARGS: flags for the API's node, e.g. --cpu-prof --cpu-prof-dir=/tmp/prof (not allowed in NODE_OPTIONS)
    [...(process.env.BENCH_API_NODE_ARGS ?? "").split(" ").filter(Boolean), entry],
    {
      ...process.env,
      DATABASE_URL: s.databaseUrl,
      SERVER_SECRET: s.serverSecret,
      LICENSE_SIGNING_KEYS: s.signingKeys,
      DATA_DIR: s.dataDir,
      PORT: "0",
      HOST: "127.0.0.1",
      MIGRATE_ON_START: "true",
      LOG_LEVEL: "warn",
      // every redemption comes from the bench's own address range: never a guess
      REDEEM_MAX_FAILURES: "1000000000",
      // appliances call from many addresses: the bench says which in X-Forwarded-For
      TRUST_PROXY: "loopback",
      ...extra,
    },
    /alga-license API: (http:\/\/\S+)\/graphql/,
  );
}

/** The raw baseline (bench/baseline/server.ts), through tsx's loader (no cost once loaded). */
export function startBaseline(s: SharedSettings): Promise<Server> {
  return start(
    "baseline",
    ["--import", "tsx", "bench/baseline/server.ts"],
    { ...process.env, DATABASE_URL: s.databaseUrl, SERVER_SECRET: s.serverSecret, LICENSE_SIGNING_KEYS: s.signingKeys, PORT: "0" },
    /alga-bench baseline: (http:\/\/\S+)\/graphql/,
  );
}
