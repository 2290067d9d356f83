// A full DATA_DIR, on a real filesystem filled to its last block (a small tmpfs): files the API writes
// there — the server secret, the local signing keys, the local outbox's .eml mail — appear whole or not
// at all (temp file, fsync, rename), so a start that failed on ENOSPC leaves nothing a later start
// could run on; a server secret cut short refuses to start, naming the file (exit 2).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { simpleParser } from "mailparser";
import { mountSmallDisk, type SmallDisk } from "./helpers/full-disk.js";
import { REGISTER, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { eventually } from "./helpers/eventually.js";
import { createScratchDatabase } from "./helpers/postgres.js";
import { startProcess } from "./helpers/processes.js";

let db: Awaited<ReturnType<typeof createScratchDatabase>>;
beforeAll(async () => {
  db = await createScratchDatabase();
});
afterAll(() => db.drop());

/** `node api/dist/main.js` once: its exit code and output, or `running` once it serves (then stopped). */
async function startApi(env: Record<string, string>): Promise<{ code: number | null; running: boolean; output: string }> {
  const p = startProcess(process.execPath, ["api/dist/main.js"], {
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: db.url,
    MIGRATE_ON_START: "false",
    LOG_LEVEL: "warn",
    ...env,
  });
  const exited = new Promise<number | null>((resolve) => p.child.once("exit", (code) => resolve(code)));
  const served = p.waitForOutput(/alga-license API: http/, 60_000).then(
    () => true,
    () => false,
  );
  const running = await Promise.race([served, exited.then(() => false)]);
  const code = running ? (await p.stop("SIGTERM"), null) : await exited;
  return { code, running, output: p.output() };
}

const listing = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f !== "filler" && f !== "lost+found")
    .map((f) => `${f} ${statSync(path.join(dir, f)).isDirectory() ? "dir" : statSync(path.join(dir, f)).size}`)
    .sort();

describe("a full DATA_DIR at start-up", () => {
  let disk: SmallDisk;
  beforeAll(() => {
    disk = mountSmallDisk();
  });
  afterAll(() => disk?.unmount());

  it("the first start exits on ENOSPC leaving no server secret; the next start does not run on an empty one", async () => {
    disk.fill();
    const first = await startApi({ DATA_DIR: disk.dir });
    expect(first.running).toBe(false);
    expect(first.code).toBe(1);
    expect(first.output).toMatch(/ENOSPC/);
    expect(first.output).toContain(path.join(disk.dir, "server-secret"));
    expect(listing(disk.dir)).toEqual([]); // no 0-byte secret, no temp file

    const second = await startApi({ DATA_DIR: disk.dir });
    expect(second.running).toBe(false);
    expect(listing(disk.dir)).toEqual([]);

    // with room again the start generates both files whole
    disk.free();
    const third = await startApi({ DATA_DIR: disk.dir });
    expect(third.running).toBe(true);
    expect(readFileSync(path.join(disk.dir, "server-secret"), "utf8").length).toBeGreaterThanOrEqual(32);
    expect(JSON.parse(readFileSync(path.join(disk.dir, "signing-keys.json"), "utf8")).keys).toHaveLength(1);
    expect(listing(disk.dir).map((l) => l.split(" ")[0])).toEqual(["server-secret", "signing-keys.json"]);
  }, 120_000);

  it("the signing keys are written whole or not at all", async () => {
    rmSync(path.join(disk.dir, "signing-keys.json"), { force: true });
    if (!existsSync(path.join(disk.dir, "server-secret"))) writeFileSync(path.join(disk.dir, "server-secret"), "s".repeat(43), { mode: 0o600 });
    disk.fill(); // the secret exists; the keys cannot be written
    const start = await startApi({ DATA_DIR: disk.dir });
    expect(start.running).toBe(false);
    expect(start.output).toMatch(/ENOSPC/);
    expect(listing(disk.dir).map((l) => l.split(" ")[0])).toEqual(expect.not.arrayContaining([expect.stringMatching(/signing-keys/)])); // no signing-keys.json nor its temp file
    expect(listing(disk.dir)).toContainEqual(expect.stringMatching(/^server-secret \d+$/));
    disk.free();
  }, 60_000);
});

it("a server secret shorter than 32 bytes refuses to start, naming the file (exit 2)", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "alga-short-secret-"));
  try {
    for (const content of ["", "too-short"]) {
      writeFileSync(path.join(dir, "server-secret"), content, { mode: 0o600 });
      const start = await startApi({ DATA_DIR: dir });
      expect(start.running).toBe(false);
      expect(start.code).toBe(2);
      expect(start.output).toContain(path.join(dir, "server-secret"));
      expect(start.output).toMatch(/at least 32/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

describe("the local outbox on a full DATA_DIR", () => {
  let disk: SmallDisk;
  let t: TestPlane;
  beforeAll(async () => {
    disk = mountSmallDisk();
    // no SMTP_URL: mail becomes .eml files in DATA_DIR/outbox; retries come fast
    t = await startTestPlane({ DATA_DIR: disk.dir, SMTP_URL: "", MAIL_RETRY_MAX_SECONDS: "1" });
  });
  afterAll(async () => {
    await t?.stop();
    disk?.unmount();
  });

  it("leaves no empty .eml per retry; once there is room the mail is written once, whole", async () => {
    const outbox = path.join(disk.dir, "outbox");
    disk.fill();
    const reg = await t.gql(REGISTER, { input: { companyName: "Full Disk", contactEmail: "full@x.test", edition: "PRO" } }, { token: t.keys.store });
    expect(reg.errors).toBeUndefined();
    const failed = await eventually(
      () => t.plane.pool.query<{ attempts: number }>(`SELECT attempts FROM email_outbox WHERE recipient = 'full@x.test'`),
      (r) => (r.rows[0]?.attempts ?? 0) >= 3,
      15_000,
    );
    expect(failed.rows[0]!.attempts).toBeGreaterThanOrEqual(3);
    expect(existsSync(outbox) ? readdirSync(outbox) : []).toEqual([]);

    disk.free();
    const sent = await eventually(
      async () => readdirSync(outbox).filter((f) => f.endsWith(".eml")),
      (f) => f.length > 0,
      15_000,
    );
    expect(sent).toHaveLength(1);
    expect(readdirSync(outbox)).toEqual(sent); // no temp files either
    const mail = await simpleParser(readFileSync(path.join(outbox, sent[0]!)));
    expect(mail.text).toContain(reg.data.registerTenant.installCode);
  }, 60_000);
});
