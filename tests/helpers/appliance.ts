// The appliance side as tests drive it: its commands as processes (compiled JavaScript), an appliance
// database of its own, the console in a real terminal (tmux), and a stand-in kubectl that records.
import { execFileSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { SEEDS, seedDigest } from "../../setup-tui/src/seeds.js";
import { REGISTER, type TestPlane } from "./control-plane.js";
import { eventually } from "./eventually.js";
import { createEmptyDatabase } from "./postgres.js";
import { run } from "./processes.js";

export const PASSWORD = "Sturdy-Appliance-2026";

export async function register(t: TestPlane, edition = "PRO", companyName = `Appliance ${edition} GmbH`) {
  const res = await t.gql(
    REGISTER,
    { input: { companyName, contactEmail: `a-${Math.random().toString(36).slice(2)}@x.test`, edition } },
    { token: t.keys.store },
  );
  if (!res.data) throw new Error(`register failed: ${JSON.stringify(res.errors)}`);
  return res.data.registerTenant as { tenantId: string; installCode: string; tenant: { contactEmail: string } };
}

/** An empty appliance database (not the control plane's schema), dropped with the run. */
export async function applianceDb(): Promise<string> {
  return (await createEmptyDatabase("appl")).url;
}

export async function query<T = any>(db: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: db });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

export const licenseState = async (db: string) => (await query(db, "SELECT * FROM license_state"))[0];

const cli =
  (name: string) =>
  (args: string[], env: Record<string, string> = {}, input?: string) =>
    run(process.execPath, [`setup-tui/dist/cli/${name}.js`, ...args], env, input);
export const setupCli = cli("setup");
export const createTenantCli = cli("create-tenant");
export const checkInCli = cli("check-in");
export const licenseCli = cli("license");

/** The JWT's claims (unverified: for assertions). */
export const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));

/** Seeds whose fields were changed, with digests that match again (as anyone who edits a seed can: it is no signature). */
export function resealed(values: Record<string, string | undefined>): Record<string, string> {
  const out = Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined));
  for (const seed of SEEDS) if (out[seed.digest] !== undefined) out[seed.digest] = seedDigest(out, seed);
  return out;
}

/**
 * Waits until the clock has passed the second a token was issued in: licenses of one second are
 * ordered by jti, so a test whose next license must be the newer one lets a second pass first.
 */
export const secondAfter = (token: string, clock = () => Date.now()) =>
  eventually(
    async () => clock(),
    (ms) => Math.floor(ms / 1000) > claimsOf(token).iat,
    5000,
  );

/**
 * A stand-in for kubectl (no cluster here): records every call's arguments and stdin, answers `create`
 * with AlreadyExists for Secrets it has seen, and `get secret` from what was written.
 */
export function fakeKubectl(dir: string): { path: string; log: string; store: string } {
  const file = path.join(dir, "kubectl");
  const log = path.join(dir, "kubectl.log");
  const store = path.join(dir, "kubectl-store");
  writeFileSync(
    file,
    `#!/usr/bin/env node
const fs = require("fs");
const args = process.argv.slice(2);
const stdin = args.includes("--filename=-") ? fs.readFileSync(0, "utf8") : "";
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ args, stdin }) + "\\n");
fs.mkdirSync(${JSON.stringify(store)}, { recursive: true });
const nameOf = (m) => (/\\n  name: (\\S+)/.exec(m) || [])[1];
const at = (name) => ${JSON.stringify(store)} + "/" + name + ".yaml";
if (args[0] === "create") {
  const name = nameOf(stdin);
  if (fs.existsSync(at(name))) { process.stderr.write('Error from server (AlreadyExists): secrets "' + name + '" already exists\\n'); process.exit(1); }
  fs.writeFileSync(at(name), stdin); console.log("secret/" + name + " created");
} else if (args[0] === "replace") {
  const name = nameOf(stdin);
  if (!fs.existsSync(at(name))) { process.stderr.write('Error from server (NotFound): secrets "' + name + '" not found\\n'); process.exit(1); }
  fs.writeFileSync(at(name), stdin); console.log("secret/" + name + " replaced");
} else if (args[0] === "get" && args[1] === "secret") {
  const name = args[2];
  if (!fs.existsSync(at(name))) { process.stderr.write('Error from server (NotFound): secrets "' + name + '" not found\\n'); process.exit(1); }
  const doc = require(${JSON.stringify(path.join(process.cwd(), "node_modules/yaml"))}).parse(fs.readFileSync(at(name), "utf8"));
  const data = {};
  for (const [k, v] of Object.entries(doc.stringData || {})) data[k] = Buffer.from(v).toString("base64");
  console.log(JSON.stringify({ kind: "Secret", metadata: { name }, data }));
} else { process.stderr.write("unexpected kubectl call: " + args.join(" ") + "\\n"); process.exit(2); }
`,
  );
  chmodSync(file, 0o755);
  return { path: file, log, store };
}

/** The console in a real 80x24 terminal: tmux runs the compiled CLI, send-keys types, capture-pane reads. */
export class Terminal {
  static readonly sessions: string[] = [];
  constructor(
    readonly name: string,
    command: string,
    env: Record<string, string>,
    size: { columns: number; rows: number } = { columns: 80, rows: 24 },
  ) {
    Terminal.sessions.push(name);
    // a console is not CI: with CI set, Ink draws only the final frame
    const vars = Object.entries(env)
      .map(([k, v]) => `${k}=${shellQuote(v)}`)
      .join(" ");
    const cmd = `cd ${shellQuote(process.cwd())} && env -u CI -u CONTINUOUS_INTEGRATION ${vars} ${command}; echo "WIZARD-EXIT=$?"; sleep 120`;
    tmux("new-session", "-d", "-s", name, "-x", String(size.columns), "-y", String(size.rows), cmd);
  }
  screen(): string {
    return tmux("capture-pane", "-p", "-t", this.name);
  }
  async until(text: string | RegExp, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.screen();
      if (typeof text === "string" ? s.includes(text) : text.test(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${text}; screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  /** tmux key names (Enter, BSpace, C-u, Escape) */
  keys(...k: string[]) {
    tmux("send-keys", "-t", this.name, ...k);
  }
  /** literal text, written to the terminal at once (a burst) */
  type(text: string) {
    tmux("send-keys", "-t", this.name, "-l", text);
  }
  /** a paste: the whole text in one write */
  paste(text: string) {
    tmux("set-buffer", "-b", `${this.name}-paste`, text);
    tmux("paste-buffer", "-d", "-b", `${this.name}-paste`, "-t", this.name);
  }
  static killAll() {
    for (const s of Terminal.sessions.splice(0)) {
      try {
        tmux("kill-session", "-t", s);
      } catch {
        /* already gone */
      }
    }
  }
}

export function tmux(...args: string[]): string {
  return execFileSync("tmux", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
