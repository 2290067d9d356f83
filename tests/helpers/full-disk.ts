// A real small filesystem that can be filled to the last block: a tmpfs mounted on a temp folder (the
// tests run as root on this project's machines; mount fails plainly otherwise). A full tmpfs still
// creates empty files — no blocks needed — which is how a crashed write leaves a 0-byte file behind.
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export interface SmallDisk {
  dir: string;
  /** writes a filler file until the filesystem answers ENOSPC */
  fill(): void;
  /** removes the filler */
  free(): void;
  unmount(): void;
}

export function mountSmallDisk(sizeKb = 256): SmallDisk {
  const dir = mkdtempSync(path.join(os.tmpdir(), "alga-small-disk-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k,mode=0755`, "tmpfs", dir], { stdio: "pipe" });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot mount a tmpfs on ${dir} (these tests need root): ${(err as { stderr?: Buffer }).stderr?.toString().trim() ?? err}`, { cause: err });
  }
  const filler = path.join(dir, "filler");
  return {
    dir,
    fill() {
      const fd = openSync(filler, "a");
      try {
        for (const size of [65536, 4096, 1]) {
          const chunk = Buffer.alloc(size);
          for (;;) {
            try {
              writeSync(fd, chunk);
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code === "ENOSPC") break;
              throw err;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free: () => rmSync(filler, { force: true }),
    unmount() {
      execFileSync("umount", [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
