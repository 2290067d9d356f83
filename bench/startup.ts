// npm run bench:startup — how long `node api/dist/main.js` (what `npm start` runs after its build
// check) takes from spawn to a 200 from /readyz, its CPU time and resident memory then, and its RSS
// idle a few seconds later (after the modules warmed after listening). Four starts, each `--runs`
// times (median, and the spread):
//   embedded, fresh     a new DATA_DIR, no DATABASE_URL: initdb of the embedded PostgreSQL, migrations,
//                       a new server secret and signing key
//   embedded, existing  the same DATA_DIR again: the embedded PostgreSQL starts, nothing to migrate
//   server, fresh       DATABASE_URL on a new database of BENCH_DATABASE_URL's server: migrations
//   server, existing    the same database again
// `--busy N` runs N busy-loop processes beside the starts (a loaded machine, on purpose). The load
// average is printed with the figures: on a shared machine it decides them.
//   npm run bench:startup -- [--runs 3] [--busy 0] [--only embedded|server] [--entry api/dist/main.js] [--out FILE]
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createScratchDatabase, type ScratchDatabase } from "./database.js";
import { cpuMsOf, rssMbOf } from "./processes.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const runs = Number(arg("runs", "3"));
const busy = Number(arg("busy", "0"));
const only = arg("only", "");
const out = path.resolve(arg("out", path.join(os.tmpdir(), "alga-startup.json")));
/** another build of the API to time (e.g. a copy of api/dist from before a change, inside the repository) */
const entry = arg("entry", "api/dist/main.js");
const IDLE_AFTER_MS = 5000;
const loadavg = () => os.loadavg().map((l) => Math.round(l * 100) / 100);

interface Start {
  readyMs: number;
  listeningMs: number;
  cpuMsAtReady: number;
  rssMbAtReady: number;
  rssMbIdle: number;
}

async function startOnce(env: NodeJS.ProcessEnv): Promise<Start> {
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, [entry], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner within 180 s:\n${log.slice(-2000)}`)), 180_000);
      child.stderr!.on("data", (chunk: Buffer) => {
        log += chunk.toString();
        const m = /alga-license API: (http:\/\/\S+)\/graphql/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once("exit", (code) => reject(new Error(`the API exited (${code}) before listening:\n${log.slice(-2000)}`)));
    });
    const listeningMs = performance.now() - t0;
    for (;;) {
      const ok = await fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (performance.now() - t0 > 180_000) throw new Error("/readyz did not answer 200 within 180 s");
      await new Promise((r) => setTimeout(r, 20));
    }
    const readyMs = performance.now() - t0;
    const cpuMsAtReady = cpuMsOf(child.pid!);
    const rssMbAtReady = rssMbOf(child.pid!);
    await new Promise((r) => setTimeout(r, IDLE_AFTER_MS));
    return { readyMs, listeningMs, cpuMsAtReady, rssMbAtReady, rssMbIdle: rssMbOf(child.pid!) };
  } finally {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      const force = setTimeout(() => child.kill("SIGKILL"), 30_000);
      child.once("exit", () => {
        clearTimeout(force);
        resolve();
      });
      child.kill("SIGTERM");
    });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;

const burners: ChildProcess[] = [];
for (let i = 0; i < busy; i++) burners.push(spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" }));
process.once("exit", () => burners.forEach((b) => b.kill("SIGKILL")));

const results: Record<string, Start[]> = {};
const base = { PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", MIGRATE_ON_START: "true", SERVER_SECRET: "", LICENSE_SIGNING_KEYS: "" };
const loadAtStart = loadavg();
process.stdout.write(
  `alga-license start-up of ${entry}: ${runs} run(s) per case, ${busy} busy process(es), load average ${loadAtStart.join(" ")} on ${os.cpus().length} cores, Node ${process.version}\n`,
);

async function measure(label: string, fresh: () => Promise<NodeJS.ProcessEnv>, cleanup: () => Promise<void>): Promise<void> {
  results[`${label}, fresh`] = [];
  results[`${label}, existing`] = [];
  for (let i = 0; i < runs; i++) {
    const env = await fresh();
    try {
      results[`${label}, fresh`]!.push(await startOnce(env));
      results[`${label}, existing`]!.push(await startOnce(env));
    } finally {
      await cleanup();
    }
  }
}

const dirs: string[] = [];
const newDataDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "alga-startup-"));
  chmodSync(dir, 0o755); // as root, the embedded PostgreSQL runs as the postgres user
  dirs.push(dir);
  return dir;
};
const removeDirs = async () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
};

try {
  if (only !== "server") await measure("embedded", async () => ({ ...base, DATABASE_URL: "", DATA_DIR: newDataDir() }), removeDirs);
  if (only !== "embedded") {
    const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
    let db: ScratchDatabase | undefined;
    await measure(
      "server",
      async () => {
        db = await createScratchDatabase(adminUrl);
        return { ...base, DATABASE_URL: db.url, DATA_DIR: newDataDir() };
      },
      async () => {
        await db?.drop();
        await removeDirs();
      },
    );
  }
} finally {
  burners.forEach((b) => b.kill("SIGKILL"));
}

const loadAtEnd = loadavg();
process.stdout.write(
  "\n| start | ready (/readyz 200) ms, median (range) | listening ms | CPU ms at ready | RSS MB at ready | RSS MB idle +5 s |\n|---|--:|--:|--:|--:|--:|\n",
);
for (const [label, starts] of Object.entries(results)) {
  if (!starts.length) continue;
  const col = (k: keyof Start) => starts.map((s) => s[k]);
  process.stdout.write(
    `| ${label} | ${median(col("readyMs")).toFixed(0)} (${spread(col("readyMs"))}) | ${median(col("listeningMs")).toFixed(0)} | ${median(col("cpuMsAtReady")).toFixed(0)} | ${median(col("rssMbAtReady")).toFixed(0)} | ${median(col("rssMbIdle")).toFixed(0)} |\n`,
  );
}
process.stdout.write(`\nload average at the end: ${loadAtEnd.join(" ")}\n`);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, busy, runs, loadAtStart, loadAtEnd, results }, null, 2)}\n`,
);
process.stdout.write(`results: ${out}\n`);
process.exit(0);
