// One process owns a DATA_DIR (its embedded database, outbox folder and keys) at a time. A second
// `npm start` on the same folder stops before touching anything and says who holds it.
import { closeSync, openSync, readFileSync, rmSync, writeSync, mkdirSync } from "node:fs";
import path from "node:path";

export class DataDirBusyError extends Error {
  constructor(
    readonly holder: { pid: number; startedAt?: string; command?: string },
    dataDir: string,
  ) {
    super(
      `${dataDir} is in use by ${holder.command ?? "another alga-license process"} (pid ${holder.pid}${holder.startedAt ? `, started ${holder.startedAt}` : ""}). ` +
        "Stop it first, or point DATA_DIR at another folder.",
    );
    this.name = "DataDirBusyError";
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dataDir: string, command: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, "alga-license.lock");
  const body = JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), command });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, body);
      closeSync(fd);
      return {
        release() {
          try {
            if (JSON.parse(readFileSync(file, "utf8")).pid === process.pid) rmSync(file, { force: true });
          } catch {
            /* already gone */
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      let holder: { pid: number; startedAt?: string; command?: string } | undefined;
      try {
        holder = JSON.parse(readFileSync(file, "utf8"));
      } catch {
        holder = undefined; // half-written by a crashing process: stale
      }
      if (holder && holder.pid !== process.pid && alive(holder.pid)) throw new DataDirBusyError(holder, dataDir);
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`cannot lock ${dataDir}`);
}
