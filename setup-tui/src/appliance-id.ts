// APPLIANCE_ID, or one derived from the machine (machine-id + hostname) and persisted, so the same
// box keeps its id across runs and reinstalls of the console.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export function resolveApplianceId(stateDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.APPLIANCE_ID?.trim()) return env.APPLIANCE_ID.trim();
  const file = path.join(stateDir, "appliance-id");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  let machine = "";
  for (const candidate of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
    if (existsSync(candidate)) {
      machine = readFileSync(candidate, "utf8").trim();
      break;
    }
  }
  const seed = machine ? `${machine}:${os.hostname()}` : randomBytes(16).toString("hex");
  const id = `appl-${createHash("sha256").update(seed).digest("hex").slice(0, 20)}`;
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(file, `${id}\n`, { mode: 0o644 });
  return id;
}
