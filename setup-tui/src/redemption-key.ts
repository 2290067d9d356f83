// The redemption key: a secret this appliance generates for one install code and keeps in its state
// folder (next to the appliance id) BEFORE the first attempt to redeem it. Every attempt sends it — the
// retries of one run, R in the wizard, a new run after a crash — so a redemption whose answer was lost
// is replayed to this appliance (a fresh credential) instead of being refused as used. The file holds
// a digest of the code, not the code; it is dropped once the answer has been applied.
import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { canonicalizeInstallCode } from "./install-code.js";

export const REDEMPTION_KEY_FILE = "redemption-key";

interface Kept {
  /** SHA-256 of the canonical install code */
  code: string;
  applianceId: string;
  key: string;
  createdAt: string;
}

export interface RedemptionKey {
  key: string;
  /** the key was kept before: an earlier attempt (this run or another) may have reached the service */
  earlier: boolean;
}

const fileIn = (stateDir: string) => path.join(stateDir, REDEMPTION_KEY_FILE);
const codeDigest = (installCode: string) =>
  createHash("sha256")
    .update(canonicalizeInstallCode(installCode) ?? installCode)
    .digest("hex");

function read(stateDir: string, installCode: string, applianceId: string): Kept | null {
  const file = fileIn(stateDir);
  if (!existsSync(file)) return null;
  try {
    const kept = JSON.parse(readFileSync(file, "utf8")) as Partial<Kept>;
    const ok = kept.code === codeDigest(installCode) && kept.applianceId === applianceId && typeof kept.key === "string" && kept.key.length > 0;
    return ok ? (kept as Kept) : null;
  } catch {
    return null; // torn or foreign: a fresh key replaces it
  }
}

/** Written whole or not at all (temp file, fsync, rename, fsync of the folder): a crash never leaves half a key. */
function writeAtomically(file: string, text: string): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
  const dirFd = openSync(dir, "r");
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** The key for this code on this appliance: the kept one, or a new one kept before it is returned. Throws when it cannot be kept. */
export function keepRedemptionKey(stateDir: string, installCode: string, applianceId: string): RedemptionKey {
  const kept = read(stateDir, installCode, applianceId);
  if (kept) return { key: kept.key, earlier: true };
  const key = randomBytes(32).toString("base64url");
  const record: Kept = { code: codeDigest(installCode), applianceId, key, createdAt: new Date().toISOString() };
  writeAtomically(fileIn(stateDir), `${JSON.stringify(record)}\n`);
  return { key, earlier: false };
}

/** Whether an attempt with this code on this appliance may have been made before (a key is kept for it). */
export const keptRedemptionKey = (stateDir: string, installCode: string, applianceId: string): boolean => read(stateDir, installCode, applianceId) !== null;

/** Drops the key once the redemption's answer has been applied (a later run with the code is refused as used). */
export function forgetRedemptionKey(stateDir: string, installCode: string, applianceId: string): void {
  if (read(stateDir, installCode, applianceId)) rmSync(fileIn(stateDir), { force: true });
}
