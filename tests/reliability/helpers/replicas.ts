// API replicas as a user runs them: `node api/dist/main.js` (compiled JavaScript) with environment
// settings, several on one database. Each keeps its JSON log lines (stdout) for the checks on logging.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  err?: { message?: string; type?: string; stack?: string };
  [k: string]: unknown;
}

export interface Replica {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
  /** parsed stdout lines so far (pino JSON) */
  logs(): LogLine[];
  /** stderr so far (banner, fatal start-up messages) */
  stderr(): string;
  /** resolves with the exit code (null: killed by a signal) and how long after `since` it came */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** memory of the process from /proc: resident set size, bytes */
  rss(): number;
  /** sends a signal; resolves when the process has exited */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../..");
export const MAIN = path.join(ROOT, "api/dist/main.js");

export async function startReplica(name: string, env: Record<string, string>, timeoutMs = 120_000): Promise<Replica> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `alga-rel-${name}-`));
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: "", PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, MIGRATE_ON_START: "false", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let pending = "";
  const lines: string[] = [];
  const parsed: LogLine[] = [];
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => {
    pending += d.toString();
    const parts = pending.split("\n");
    pending = parts.pop()!;
    for (const p of parts) if (p) lines.push(p);
  });
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once("exit", (code, signal) => {
      if (pending) lines.push(pending);
      rmSync(dataDir, { recursive: true, force: true });
      resolve({ code, signal, at: Date.now() });
    }),
  );
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!url) {
    url = /alga-license API: (http:\/\/\S+)\/graphql/.exec(stderr)?.[1];
    if (url) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`replica ${name} did not start (exit ${child.exitCode}):\n${stderr}\n${lines.slice(-20).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    name,
    url,
    pid: child.pid!,
    child,
    logs() {
      if (parsed.length < lines.length) {
        for (const l of lines.slice(parsed.length)) {
          try {
            parsed.push(JSON.parse(l) as LogLine);
          } catch {
            parsed.push({ level: 60, msg: `unparsable log line: ${l.slice(0, 200)}` });
          }
        }
      }
      return parsed;
    },
    stderr: () => stderr,
    exited,
    rss() {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        return m ? Number(m[1]) * 1024 : 0;
      } catch {
        return 0;
      }
    },
    async stop(signal = "SIGTERM") {
      const t0 = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const kill = setTimeout(() => child.kill("SIGKILL"), 60_000);
      const e = await exited;
      clearTimeout(kill);
      return { code: e.code, signal: e.signal, ms: e.at - t0 };
    },
  };
}

/** Several replicas started together on the same settings (names r1, r2, ...). */
export async function startReplicas(count: number, env: Record<string, string>): Promise<Replica[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startReplica(`r${i + 1}`, env)));
}

/** Log lines of a request (by its id) across replicas. */
export const linesOf = (replicas: Replica[], requestId: string) => replicas.flatMap((r) => r.logs().filter((l) => l.requestId === requestId));
