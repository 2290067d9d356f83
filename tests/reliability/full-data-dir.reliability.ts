// A full DATA_DIR on a real filesystem (a small tmpfs filled to its last block; the suite runs as root):
// 1. starts of `node api/dist/main.js` on it (local secret and signing keys, as a single replica
//    without SERVER_SECRET and LICENSE_SIGNING_KEYS runs): each exits, none leaves a file behind that
//    a later start would run on; with room again the start generates both files whole;
// 2. the local outbox (no SMTP_URL) on the full folder for OUTBOX_FULL_SECONDS while registrations
//    queue mail: no empty .eml per retry; once there is room every message is written once, whole.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { simpleParser } from "mailparser";
import { mountSmallDisk, type SmallDisk } from "../helpers/full-disk.js";
import { describeTally, seconds, setting, table, tally } from "./helpers/figures.js";
import { gql, REGISTER } from "./helpers/http.js";
import { MAIN, startReplica, type Replica } from "./helpers/replicas.js";
import { startWorld, type World } from "./helpers/world.js";

const FULL_MS = setting("OUTBOX_FULL_SECONDS", 42) * 1000;
const MAILS = 5;

let w: World;
let disk: SmallDisk;
beforeAll(async () => {
  w = await startWorld({ label: "full_disk", replicas: 0 });
  disk = mountSmallDisk(256);
});
afterAll(async () => {
  disk?.unmount();
  await w?.stop();
});

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));
/** a single replica on local files: only the database is shared */
const localEnv = () => ({
  DATABASE_URL: w.db.url,
  DATA_DIR: disk.dir,
  REPLICATED: "false",
  SERVER_SECRET: "",
  LICENSE_SIGNING_KEYS: "",
  SMTP_URL: "",
  S3_ENDPOINT: "",
  MAIL_RETRY_MAX_SECONDS: "5",
  LOG_LEVEL: "warn",
});
const files = () =>
  readdirSync(disk.dir)
    .filter((f) => f !== "filler")
    .map((f) => `${f}${statSync(path.join(disk.dir, f)).isDirectory() ? "/" : ` (${statSync(path.join(disk.dir, f)).size} B)`}`)
    .sort();

/** One start that is expected to fail: its exit code and last stderr line. */
function failedStart(): Promise<{ code: number | null; line: string; ms: number }> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, NODE_OPTIONS: "", PORT: "0", HOST: "127.0.0.1", MIGRATE_ON_START: "false", ...localEnv() },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const kill = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    child.on("exit", (code) => {
      clearTimeout(kill);
      resolve({
        code,
        line:
          err
            .trim()
            .split("\n")
            .filter((l) => l && !l.startsWith("{"))[0] ?? "",
        ms: Date.now() - t0,
      });
    }),
  );
}

test(`a full DATA_DIR: starts leave no file to run on; the local outbox leaves no empty .eml over ${FULL_MS / 1000} s and delivers every message once`, async () => {
  // 1. starts on the full folder
  disk.fill();
  const attempts = [await failedStart(), await failedStart(), await failedStart()];
  const leftAfterFailures = files();
  disk.free();
  const fresh: Replica = await startReplica("fresh", localEnv());
  const generated = files();
  const secretBytes = readFileSync(path.join(disk.dir, "server-secret"), "utf8").length;

  // 2. the outbox on the full folder
  disk.fill();
  const regs = [];
  for (let i = 0; i < MAILS; i++) {
    regs.push(
      await gql(
        fresh.url,
        REGISTER,
        { input: { companyName: `Full Disk ${i}`, contactEmail: `full-${i}@example.test`, edition: "PRO" } },
        { token: w.keys.store },
      ),
    );
  }
  const outbox = path.join(disk.dir, "outbox");
  const emlSeen = new Set<string>();
  for (const until = Date.now() + FULL_MS; Date.now() < until; await sleep(500)) {
    for (const f of (() => {
      try {
        return readdirSync(outbox);
      } catch {
        return [];
      }
    })())
      emlSeen.add(f);
  }
  const tries = fresh.logs().filter((l) => l.msg === "email send failed; will retry" && String(l.err).includes("ENOSPC")).length;
  const { rows: during } = await w.db.pool.query<{ attempts: number; status: string }>(
    `SELECT attempts, status FROM email_outbox WHERE recipient LIKE 'full-%@example.test'`,
  );
  disk.free();
  const freedAt = Date.now();
  let delivered: string[] = [];
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(250)) {
    delivered = readdirSync(outbox).filter((f) => f.endsWith(".eml"));
    if (delivered.length >= MAILS) break;
  }
  const deliveredAfter = Date.now() - freedAt;
  await sleep(2000); // nothing more arrives
  const finalFiles = readdirSync(outbox);
  const parsed = await Promise.all(finalFiles.filter((f) => f.endsWith(".eml")).map(async (f) => simpleParser(readFileSync(path.join(outbox, f)))));
  const codesFound = regs.filter((r) => parsed.some((m) => m.text?.includes(r.data.registerTenant.installCode))).length;
  await fresh.stop("SIGTERM");

  table("Full DATA_DIR (a 256 KiB tmpfs filled to its last block)", [
    ...attempts.map((a, i) => ({ step: `start ${i + 1} on the full folder`, outcome: `exit ${a.code} after ${seconds(a.ms)}: ${a.line.slice(0, 140)}` })),
    { step: "files left by those starts", outcome: leftAfterFailures.length ? leftAfterFailures.join(", ") : "none" },
    { step: "start with room again", outcome: `serves; ${generated.join(", ")}` },
    {
      step: `outbox on the full folder, ${seconds(FULL_MS)}, ${MAILS} mails queued`,
      outcome: `${tries} writes failed on ENOSPC (each retried; probes of a refusing outbox count no attempt: ${describeTally(tally(during.map((r) => `${r.status} ${r.attempts} attempts`)))}); files seen in DATA_DIR/outbox: ${emlSeen.size}`,
    },
    {
      step: "room again",
      outcome: `${delivered.length} .eml files within ${seconds(deliveredAfter)}; ${finalFiles.length} files in all after 2 s more; ${codesFound}/${MAILS} carry their install code`,
    },
  ]);

  expect(attempts.map((a) => a.code)).toEqual([1, 1, 1]);
  expect(attempts.every((a) => /ENOSPC/.test(a.line) && a.line.includes(path.join(disk.dir, "server-secret")))).toBe(true);
  expect(leftAfterFailures).toEqual([]);
  expect(secretBytes).toBeGreaterThanOrEqual(32);
  expect(regs.map((r) => r.kind)).toEqual(regs.map(() => "ok"));
  expect([...emlSeen]).toEqual([]);
  expect(tries).toBeGreaterThanOrEqual(MAILS); // every message was tried, most of them again and again
  expect(during.every((r) => r.status === "PENDING")).toBe(true);
  expect(finalFiles.filter((f) => f.endsWith(".eml"))).toHaveLength(MAILS);
  expect(finalFiles).toHaveLength(MAILS); // no temp files
  expect(codesFound).toBe(MAILS);
});
