// Files in ALGA_STATE_DIR appear whole or not at all: the bytes go to a temp file beside the target
// (mode 0600), are fsynced, and only then take the target's name (rename, or link when the file must
// not be replaced: two processes creating it at once keep the first one), and the folder is fsynced.
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Writes file atomically; exclusive: fails with EEXIST when it exists already. */
export function writeStateFile(file: string, text: string, o: { exclusive?: boolean } = {}): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const fd = openSync(temp, "wx", 0o600);
    try {
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (o.exclusive) linkSync(temp, file);
    else renameSync(temp, file);
  } finally {
    rmSync(temp, { force: true });
  }
  const dirFd = openSync(dir, "r");
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
