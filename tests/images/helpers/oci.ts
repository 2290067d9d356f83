// Real image builds without a Docker engine or a container registry, for `npm run test:images`.
// The builder is buildah (Debian's package: daemonless, a real Dockerfile implementation — COPY and
// .dockerignore, RUN --mount=type=cache, ENV, WORKDIR, USER, CMD, layer cache), with RUN steps isolated
// by chroot (crun cannot create cgroups in this machine kind: "cgroups in hybrid mode not supported").
// No registry is reachable here, so the Dockerfiles' base node:24-bookworm-slim is assembled locally
// the way the official one is made: Debian bookworm (mmdebstrap --variant=minbase, from Debian's mirror)
// with Node's official linux-x64 binary (the `node` devDependency's) and npm under /usr/local.
// A container runs as a Kubernetes pod would run it: the image's root filesystem (read-only when asked),
// a fresh tmpfs per emptyDir, the pod's user and group, host networking, in a mount namespace of its own.
// Everything lives under ALGA_IMAGES_STORAGE (default ~/.cache/alga-license/containers); root only.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const root = process.cwd();
export const STORAGE = path.resolve(process.env.ALGA_IMAGES_STORAGE ?? path.join(os.homedir(), ".cache", "alga-license", "containers"));
const TMP = path.join(STORAGE, "tmp"); // buildah's TMPDIR: its RUN --mount=type=cache folders live here
export const BASE_IMAGE = "docker.io/library/node:24-bookworm-slim";
/** npm in the assembled base (the official image ships the npm of its Node release) */
const BASE_NPM = "11.19.1";
const DEBIAN_MIRROR = process.env.ALGA_DEBIAN_MIRROR ?? "http://deb.debian.org/debian";
const BASE_LABEL = "org.alga-license.assembled-base";

/** Fails with what to install when this machine cannot build images (the suite needs all of it). */
export function requireBuilder(): void {
  const missing = ["buildah", "mmdebstrap", "unshare", "chroot"].filter((c) => spawnSync("sh", ["-c", `command -v ${c}`]).status !== 0);
  if (process.getuid?.() !== 0) throw new Error("the image tests build and run images with buildah and chroot: run them as root");
  if (missing.length) throw new Error(`the image tests need ${missing.join(", ")}: apt-get install buildah mmdebstrap (.ci/run installs them)`);
}

function buildah(args: string[], o: { input?: string } = {}): string {
  const r = spawnSync("buildah", ["--root", path.join(STORAGE, "storage"), "--runroot", path.join(STORAGE, "run"), "--storage-driver", "overlay", ...args], {
    encoding: "utf8",
    input: o.input,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, TMPDIR: TMP },
  });
  if (r.status !== 0) throw new Error(`buildah ${args.join(" ")} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout).trim().slice(-3000)}`);
  return r.stdout.trim();
}

const imageExists = (name: string) =>
  spawnSync("buildah", ["--root", path.join(STORAGE, "storage"), "--runroot", path.join(STORAGE, "run"), "inspect", "--type", "image", name], {
    stdio: "ignore",
  }).status === 0;

export interface ImageConfig {
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string>;
}

export function imageConfig(name: string): ImageConfig {
  return (JSON.parse(buildah(["inspect", "--type", "image", name])) as { OCIv1: { config: ImageConfig } }).OCIv1.config;
}

/** The image's size as its layers add up (uncompressed), in bytes. */
export function imageSize(name: string): number {
  const rows = JSON.parse(buildah(["images", "--json", name])) as { size: string | number }[];
  const size = rows[0]?.size;
  if (typeof size === "number") return size;
  // older buildah prints "333 MB"
  const m = /^([\d.]+)\s*([kMG]?B)$/.exec(String(size));
  if (!m) throw new Error(`cannot read the size of ${name}: ${String(size)}`);
  return Number(m[1]) * { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as "B"]!;
}

const node24 = () => path.join(root, "node_modules/node/bin/node");

/** Builds the base image when it is missing or was assembled from another Node or npm. */
export function ensureBaseImage(log: (line: string) => void = () => {}): void {
  const nodeVersion = execFileSync(node24(), ["--version"], { encoding: "utf8" }).trim().slice(1);
  const label = `debian bookworm minbase, node ${nodeVersion}, npm ${BASE_NPM}`;
  if (imageExists(BASE_IMAGE) && imageConfig(BASE_IMAGE).Labels?.[BASE_LABEL] === label) return;
  mkdirSync(TMP, { recursive: true });
  const rootfs = path.join(STORAGE, "bookworm-minbase.tar");
  if (!existsSync(rootfs)) {
    log(`mmdebstrap --variant=minbase bookworm (${DEBIAN_MIRROR}): once, a few minutes`);
    const partial = rootfs.replace(/\.tar$/, ".partial.tar"); // mmdebstrap writes a tarball for a .tar name
    execFileSync("mmdebstrap", ["--variant=minbase", "--quiet", "bookworm", partial, DEBIAN_MIRROR], { stdio: ["ignore", "ignore", "inherit"] });
    renameSync(partial, rootfs);
  }
  const work = mkdtempSync(path.join(TMP, "base-"));
  const ctr = buildah(["from", "scratch"]);
  try {
    const mnt = buildah(["mount", ctr]);
    execFileSync("tar", ["-C", mnt, "-xf", rootfs]);
    execFileSync("cp", [node24(), path.join(mnt, "usr/local/bin/node")]);
    execFileSync("npm", ["pack", `npm@${BASE_NPM}`, "--pack-destination", work, "--silent"], { cwd: work, stdio: ["ignore", "ignore", "inherit"] });
    const npmDir = path.join(mnt, "usr/local/lib/node_modules/npm");
    mkdirSync(npmDir, { recursive: true });
    execFileSync("tar", ["-C", npmDir, "--strip-components=1", "-xzf", path.join(work, `npm-${BASE_NPM}.tgz`)]);
    symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", path.join(mnt, "usr/local/bin/npm"));
    symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", path.join(mnt, "usr/local/bin/npx"));
    buildah([
      "config",
      "--env",
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "--env",
      `NODE_VERSION=${nodeVersion}`,
      "--cmd",
      "node",
      "--label",
      `${BASE_LABEL}=${label}`,
      ctr,
    ]);
    buildah(["commit", "--quiet", "--rm", ctr, BASE_IMAGE]);
  } catch (err) {
    spawnSync("buildah", ["--root", path.join(STORAGE, "storage"), "--runroot", path.join(STORAGE, "run"), "rm", ctr], { stdio: "ignore" });
    throw err;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The build machine's npm settings (registry, and a CA for an intercepting proxy) reach the RUN steps
 * as build-time mounts — like BuildKit secrets, they are not part of any layer. The RUN
 * --mount=type=cache folders point at this machine's npm cache, as a warm builder's would.
 */
function buildMounts(): string[] {
  const npmConfig = (key: string) => execFileSync("npm", ["config", "get", key], { encoding: "utf8" }).trim();
  const cache = npmConfig("cache");
  for (const target of ["root/.npm", "tmp/.npm"]) {
    const at = path.join(TMP, "buildah-cache", target);
    mkdirSync(path.dirname(at), { recursive: true });
    if (!existsSync(at)) symlinkSync(cache, at);
  }
  const lines = [`registry=${npmConfig("registry")}`];
  const mounts: string[] = [];
  const cafile = npmConfig("cafile");
  if (cafile && cafile !== "null" && cafile !== "undefined") {
    lines.push("cafile=/run/alga-build/ca.crt");
    mounts.push("-v", `${cafile}:/run/alga-build/ca.crt:ro`);
  }
  const npmrc = path.join(TMP, "build-npmrc");
  writeFileSync(npmrc, `${lines.join("\n")}\n`);
  return [...mounts, "-v", `${npmrc}:/usr/local/etc/npmrc:ro`];
}

/** `buildah bud` of a Dockerfile of this repository (context: the repository root), with `--build-arg`s. */
export function buildImage(dockerfile: string, tag: string, buildArgs: Record<string, string> = {}): { seconds: number; log: string } {
  mkdirSync(path.join(STORAGE, "logs"), { recursive: true });
  const logFile = path.join(STORAGE, "logs", `${tag.replace(/\W+/g, "_")}.log`);
  const started = Date.now();
  const r = spawnSync(
    "buildah",
    [
      "--root",
      path.join(STORAGE, "storage"),
      "--runroot",
      path.join(STORAGE, "run"),
      "--storage-driver",
      "overlay",
      "bud",
      "--isolation=chroot",
      "--pull=never",
      "--network=host",
      "--layers",
      ...buildMounts(),
      ...Object.entries(buildArgs).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]),
      "-f",
      dockerfile,
      "-t",
      tag,
      root,
    ],
    { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: { ...process.env, TMPDIR: TMP } },
  );
  const log = `${r.stdout}\n${r.stderr}`;
  writeFileSync(logFile, log);
  if (r.status !== 0) throw new Error(`building ${dockerfile} failed (${r.status ?? r.signal}; log ${logFile}):\n${log.trim().slice(-4000)}`);
  return { seconds: (Date.now() - started) / 1000, log };
}

/** The image's files, read-only use: a working container mounted on the host. */
export function mountImage(name: string): { path: string; release(): void } {
  const ctr = buildah(["from", "--pull=never", "--quiet", name]);
  const mnt = buildah(["mount", ctr]);
  return { path: mnt, release: () => void buildah(["rm", ctr]) };
}

/** Sizes in MiB of folders inside a mounted image (du -sm). */
export function folderSizes(mnt: string, folders: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of folders) out[f] = Number(execFileSync("du", ["-sm", path.join(mnt, f)], { encoding: "utf8" }).split("\t")[0]);
  return out;
}

export const packagesIn = (mnt: string, nodeModules: string) => {
  const dir = path.join(mnt, nodeModules);
  return readdirSync(dir).flatMap((e) => (e.startsWith("@") ? readdirSync(path.join(dir, e)).map((s) => `${e}/${s}`) : [e]));
};

export interface RunSpec {
  /** the full argv (entrypoint and arguments resolved); argv[0] is looked up on env.PATH, as runtimes do */
  argv: string[];
  env: Record<string, string>;
  workingDir: string;
  /** "uid:gid" */
  user: string;
  /** supplementary groups (a pod's fsGroup) */
  groups?: number[];
  readOnlyRoot?: boolean;
  /** fresh, empty and writable (emptyDir) */
  tmpfs?: string[];
  binds?: { host: string; target: string; readOnly?: boolean }[];
}

export interface Container {
  child: ChildProcess;
  output(): string;
  stdout(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const running = new Set<Container>();

/** Starts argv in the image as a container: its own mount namespace, the image's root, the pod's mounts. */
export function startContainer(image: string, spec: RunSpec): Container {
  const rootfs = mountImage(image);
  const M = q(rootfs.path);
  const at = (p: string) => `${M}${q(p)}`;
  const lines = ["set -e"];
  const dirs = [...(spec.tmpfs ?? []), ...(spec.binds ?? []).map((b) => b.target)];
  for (const d of dirs) lines.push(`mkdir -p ${at(d)}`);
  lines.push(`for f in /etc/hosts /etc/resolv.conf; do [ -e ${M}$f ] || touch ${M}$f; done`);
  lines.push(`mount --bind ${M} ${M}`);
  if (spec.readOnlyRoot) lines.push(`mount -o remount,bind,ro ${M}`);
  lines.push(`mount -t proc proc ${at("/proc")}`, `mount --rbind /dev ${at("/dev")}`);
  // what a runtime writes into every container: name resolution of the host network
  for (const f of ["/etc/hosts", "/etc/resolv.conf"]) lines.push(`mount --bind ${f} ${at(f)}`, `mount -o remount,bind,ro ${at(f)}`);
  for (const t of spec.tmpfs ?? []) lines.push(`mount -t tmpfs -o mode=1777 tmpfs ${at(t)}`);
  for (const b of spec.binds ?? []) {
    lines.push(`mount --bind ${q(b.host)} ${at(b.target)}`);
    if (b.readOnly) lines.push(`mount -o remount,bind,ro ${at(b.target)}`);
  }
  const groups = spec.groups?.length ? `--groups=${spec.groups.join(",")} ` : "";
  lines.push(
    `exec /usr/sbin/chroot --userspec=${q(spec.user)} ${groups}${M} /usr/bin/env -u PWD -u OLDPWD -u SHLVL -C ${q(spec.workingDir)} ${spec.argv.map(q).join(" ")}`,
  );
  // unshare without --fork: every step execs, so the child's pid is the container's process
  const child = spawn("/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c", lines.join("\n")], {
    env: spec.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let stdout = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    stdout += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      running.delete(container);
      rootfs.release();
      resolve(code);
    }),
  );
  const container: Container = {
    child,
    output: () => out,
    stdout: () => stdout,
    exited,
    async waitForOutput(pattern, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = out.match(pattern);
        if (m) return m;
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`waiting for ${pattern} (exit ${child.exitCode}); output:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  running.add(container);
  return container;
}

/** Runs argv in the image to its end. */
export async function runContainer(image: string, spec: RunSpec, timeoutMs = 180_000): Promise<{ code: number | null; stdout: string; output: string }> {
  const c = startContainer(image, spec);
  const timer = setTimeout(() => c.child.kill("SIGKILL"), timeoutMs);
  const code = await c.exited;
  clearTimeout(timer);
  return { code, stdout: c.stdout(), output: c.output() };
}

/** Kills what is still running (a failed test) and removes its working containers. */
export async function stopAllContainers(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop("SIGKILL")));
}
