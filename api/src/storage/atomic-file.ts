// Files in DATA_DIR appear whole or not at all: the bytes go to a temp file beside the target, are
// fsynced, and only then take the target's name (rename, or link for a file that must not be
// replaced), and the folder is fsynced. A write that fails (ENOSPC on a full disk, a crash) leaves
// no empty or half-written file that a later start would take for the real one, and no temp file.
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface AtomicWriteOptions {
  mode?: number;
  /** create only: fails with EEXIST when the file exists (e.g. another process made it first) */
  exclusive?: boolean;
}

/** A failed write, naming the file; `code` is the file system's (ENOSPC, EEXIST, EACCES ...). */
export class FileWriteError extends Error {
  readonly code?: string;
  constructor(
    readonly file: string,
    cause: NodeJS.ErrnoException,
  ) {
    super(`cannot write ${file}: ${cause.message}`, { cause });
    this.name = "FileWriteError";
    this.code = cause.code;
  }
}

export function writeFileAtomic(file: string, data: string | Uint8Array, o: AtomicWriteOptions = {}): void {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const fd = openSync(temp, "wx", o.mode ?? 0o600);
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (o.exclusive) linkSync(temp, file);
    else renameSync(temp, file);
  } catch (err) {
    throw new FileWriteError(file, err as NodeJS.ErrnoException);
  } finally {
    rmSync(temp, { force: true });
  }
  // the new name is durable once the folder is
  const dirFd = openSync(dir, "r");
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
