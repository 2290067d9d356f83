// Every setting of the appliance commands (alga-setup, alga-setup connect, alga-create-tenant,
// alga-check-in, alga-license status), read once from the command line and the environment and
// validated here. A flag wins over its variable. Each problem names the flag and/or variable and what a
// valid value looks like; the commands exit 2 on any (setup-tui/README.md, "Settings", lists them all).
import { existsSync, readFileSync, statSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { isApplianceId, parseBaseUrl } from "@alga-license/contract";
import { resolveApplianceId } from "./appliance-id.js";
import { DEFAULT_OFFLINE_GRACE_SECONDS, parseVendorKeys } from "./license/verify.js";
import type { JWK } from "jose";

export class UsageError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "UsageError";
  }
}

export const DEFAULT_STATE_DIR = "/var/lib/alga-appliance";
export const DEFAULT_SEED_DIR = "./appliance-seeds";
const MAX_CLOCK_OFFSET_SECONDS = 200 * 365 * 86_400;

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Reads flags and variables, collecting every problem so one run names them all. */
class Reader {
  readonly problems: string[] = [];
  constructor(
    readonly flags: Record<string, string | boolean | undefined>,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  private label(flag?: string, name?: string) {
    return [flag && `--${flag}`, name].filter(Boolean).join(" / ");
  }
  fail(flag: string | undefined, name: string | undefined, message: string): undefined {
    this.problems.push(`${this.label(flag, name)}: ${message}`);
    return undefined;
  }
  raw(flag?: string, name?: string): string | undefined {
    const fromFlag = flag ? this.flags[flag] : undefined;
    if (typeof fromFlag === "string") return fromFlag.trim() || this.fail(flag, undefined, "is empty");
    const v = name ? this.env[name]?.trim() : undefined;
    return v ? v : undefined;
  }
  bool(flag: string): boolean {
    return this.flags[flag] === true;
  }
  int(flag: string | undefined, name: string | undefined, fallback: number, min: number, max: number, unit: string): number {
    const v = this.raw(flag, name);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      return this.fail(flag, name, `"${v}" is not a whole number of ${unit} between ${min} and ${max} (default ${fallback})`) ?? fallback;
    }
    return Number(v);
  }
  serviceUrl(flag: string | undefined, name: string): string | undefined {
    const v = this.raw(flag, name);
    if (v === undefined) return undefined;
    try {
      return parseBaseUrl(v).href.replace(/\/+$/, "");
    } catch (err) {
      return this.fail(flag, name, (err as Error).message.replace(/^the license service URL /, ""));
    }
  }
  databaseUrl(name = "APPLIANCE_DATABASE_URL"): string | undefined {
    const v = this.raw(undefined, name);
    if (v === undefined) return undefined;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      return this.fail(undefined, name, `is not a URL: write it as postgresql://user:password@host:5432/database`);
    }
    if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") return this.fail(undefined, name, `must start with postgresql:// (got ${u.protocol}//)`);
    return v;
  }
  applianceId(flag: string | undefined, name: string): string | undefined {
    const v = this.raw(flag, name);
    if (v !== undefined && !isApplianceId(v))
      return this.fail(flag, name, `"${v}" must be 1-128 letters, digits, '.', '_', ':' or '-' (starting with a letter or digit)`);
    return v;
  }
  existingDir(flag: string | undefined, name: string | undefined, what: string): string | undefined {
    const v = this.raw(flag, name);
    if (v === undefined) return undefined;
    if (!existsSync(v)) return this.fail(flag, name, `the ${what} folder ${v} does not exist`);
    if (!statSync(v).isDirectory()) return this.fail(flag, name, `${v} is not a folder`);
    return v;
  }
  readableFile(flag: string | undefined, name: string | undefined, what: string): string | undefined {
    const v = this.raw(flag, name);
    if (v === undefined) return undefined;
    if (!existsSync(v)) return this.fail(flag, name, `the ${what} file ${v} does not exist`);
    if (!statSync(v).isFile()) return this.fail(flag, name, `${v} is not a file`);
    return v;
  }
  vendorKeys(): JWK[] | undefined {
    const name = "ALGA_VENDOR_KEYS";
    const v = this.raw(undefined, name);
    if (v === undefined) return undefined;
    try {
      const text = /^[[{]/.test(v) ? v : readFileSync(v, "utf8");
      return parseVendorKeys(text);
    } catch (err) {
      return this.fail(undefined, name, `${(err as Error).message} (a JWKS file path, or the JSON itself)`);
    }
  }
  graceSeconds(): number {
    return this.int(undefined, "ALGA_LICENSE_GRACE_HOURS", DEFAULT_OFFLINE_GRACE_SECONDS / 3600, 0, 24 * 90, "hours") * 3600;
  }
  /**
   * The clock the appliance tools read. ALGA_CLOCK_OFFSET_SECONDS shifts it, for tests only: it grants
   * nothing that setting the system clock would not, and licenses are judged against server-signed time.
   */
  clock(): () => Date {
    const name = "ALGA_CLOCK_OFFSET_SECONDS";
    const v = this.raw(undefined, name);
    const valid = v !== undefined && /^[+-]?\d+$/.test(v) && Math.abs(Number(v)) <= MAX_CLOCK_OFFSET_SECONDS;
    if (v !== undefined && !valid) {
      this.fail(
        undefined,
        name,
        `"${v}" is not a whole number of seconds between -${MAX_CLOCK_OFFSET_SECONDS} and ${MAX_CLOCK_OFFSET_SECONDS} (for tests only: leave it unset)`,
      );
    }
    const offsetMs = valid ? Number(v) * 1000 : 0;
    return () => new Date(Date.now() + offsetMs);
  }
  done<T>(value: T): T {
    if (this.problems.length) throw new UsageError(this.problems);
    return value;
  }
}

function parse(argv: string[], options: Options, positionals = false): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: positionals, strict: true }) as {
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    };
  } catch (err) {
    // node's messages name the flag: "Unknown option '--nope'", "Option '--x <value>' argument missing"
    throw new UsageError([(err as Error).message.replace(/\. To specify a positional argument.*$/s, "")]);
  }
}

// ---------------------------------------------------------------------------------------------------
// alga-setup and alga-setup connect
// ---------------------------------------------------------------------------------------------------
const SETUP_OPTIONS = {
  "install-code": { type: "string" },
  "admin-password-file": { type: "string" },
  "license-url": { type: "string" },
  output: { type: "string" },
  kubectl: { type: "string" },
  namespace: { type: "string" },
  "appliance-id": { type: "string" },
} satisfies Options;

export interface ApplyTarget {
  /** folder for the manifests (when no kubectl is configured) */
  outputDir: string;
  /** kubectl binary: write the Secrets into the cluster instead */
  kubectl?: string;
  namespace?: string;
}

export interface SetupSettings {
  command: "setup" | "connect";
  help: boolean;
  /** non-interactive: --install-code (or ALGA_INSTALL_CODE) given, or no terminal */
  interactive: boolean;
  installCode?: string;
  adminPasswordFile?: string;
  /** required for setup; connect defaults to the URL the appliance was installed with */
  licenseUrl?: string;
  /** setup: given or derived from the machine (persisted); connect: given, else "" (the installed one) */
  applianceId: string;
  stateDir: string;
  target: ApplyTarget;
  /** the appliance's database: connect needs it; setup uses it to see whether the appliance is bootstrapped */
  databaseUrl?: string;
  /** vendor keys shipped with the image (ALGA_VENDOR_KEYS): the root of the appliance's trust in the vendor's keys */
  vendorKeys?: JWK[];
  graceSeconds: number;
  /** the appliance's clock (ALGA_CLOCK_OFFSET_SECONDS shifts it, for tests) */
  clock: () => Date;
}

/** Whether a setup command line asks for the non-interactive mode (for the shape of usage errors). */
export const setupIsInteractive = (argv: string[], env: NodeJS.ProcessEnv, isTTY: boolean) =>
  isTTY && !argv.some((a) => a === "--install-code" || a.startsWith("--install-code=")) && !env.ALGA_INSTALL_CODE?.trim();

export function setupSettings(argv: string[], env: NodeJS.ProcessEnv = process.env, isTTY = !!process.stdin.isTTY): SetupSettings {
  const { values, positionals } = parse(argv, SETUP_OPTIONS, true);
  const r = new Reader(values, env);
  const [sub, ...extra] = positionals;
  if (sub !== undefined && sub !== "connect") r.problems.push(`unknown command "${sub}": use alga-setup, or alga-setup connect`);
  if (extra.length) r.problems.push(`unexpected argument "${extra[0]}"`);
  const command = sub === "connect" ? "connect" : "setup";
  const interactive = setupIsInteractive(argv, env, isTTY);
  const stateDir = r.raw(undefined, "ALGA_STATE_DIR") ?? DEFAULT_STATE_DIR;
  const databaseUrl = r.databaseUrl();
  const s: SetupSettings = {
    command,
    help: values.help === true,
    interactive,
    installCode: r.raw("install-code", "ALGA_INSTALL_CODE"),
    adminPasswordFile: r.readableFile("admin-password-file", "ALGA_ADMIN_PASSWORD_FILE", "admin password"),
    licenseUrl: r.serviceUrl("license-url", "ALGA_LICENSE_URL"),
    applianceId: r.applianceId("appliance-id", "APPLIANCE_ID") ?? "",
    stateDir,
    target: {
      outputDir: r.raw("output", "ALGA_SEED_DIR") ?? DEFAULT_SEED_DIR,
      kubectl: r.raw("kubectl", "ALGA_KUBECTL"),
      namespace: r.raw("namespace", "ALGA_NAMESPACE"),
    },
    databaseUrl,
    vendorKeys: r.vendorKeys(),
    graceSeconds: r.graceSeconds(),
    clock: r.clock(),
  };
  if (s.help) return s;
  if (command === "setup" && !s.licenseUrl && !r.problems.some((p) => p.includes("ALGA_LICENSE_URL")))
    r.fail("license-url", "ALGA_LICENSE_URL", "the license service URL is required, e.g. https://license.example.com");
  if (command === "connect" && !databaseUrl)
    r.fail(undefined, "APPLIANCE_DATABASE_URL", "connect updates the installed appliance's database: set it to that PostgreSQL's URL");
  if (!interactive && !s.installCode) r.fail("install-code", "ALGA_INSTALL_CODE", "the non-interactive mode (no terminal) needs the install code");
  // (the admin password file is checked once the appliance's state is known: a bootstrapped appliance needs none)
  // connect works on the installed appliance's id unless one is given
  if (!r.problems.length && !s.applianceId && command === "setup") {
    try {
      s.applianceId = resolveApplianceId(stateDir, env);
    } catch (err) {
      r.fail(
        undefined,
        "ALGA_STATE_DIR",
        `cannot keep the derived appliance id in ${stateDir} (${(err as Error).message}): set APPLIANCE_ID or a writable ALGA_STATE_DIR`,
      );
    }
  }
  return r.done(s);
}

// ---------------------------------------------------------------------------------------------------
// alga-create-tenant
// ---------------------------------------------------------------------------------------------------
export interface CreateTenantSettings {
  help: boolean;
  json: boolean;
  databaseUrl: string;
  /** the wizard's manifests, when the seeds are not in the environment */
  seedDir?: string;
  vendorKeys?: JWK[];
  graceSeconds: number;
  clock: () => Date;
}

export function createTenantSettings(argv: string[], env: NodeJS.ProcessEnv = process.env): CreateTenantSettings {
  const { values } = parse(argv, { "seed-dir": { type: "string" }, json: { type: "boolean" } });
  const r = new Reader(values, env);
  const s = {
    help: values.help === true,
    json: values.json === true,
    databaseUrl: r.databaseUrl() ?? "",
    seedDir: r.existingDir("seed-dir", "ALGA_SEED_DIR", "seed"),
    vendorKeys: r.vendorKeys(),
    graceSeconds: r.graceSeconds(),
    clock: r.clock(),
  };
  if (!s.help && !s.databaseUrl && !r.problems.some((p) => p.includes("APPLIANCE_DATABASE_URL"))) {
    r.fail(undefined, "APPLIANCE_DATABASE_URL", "is required: the appliance's PostgreSQL, e.g. postgresql://alga@db:5432/appliance");
  }
  return r.done(s);
}

// ---------------------------------------------------------------------------------------------------
// alga-check-in
// ---------------------------------------------------------------------------------------------------
export interface CheckInSettings {
  help: boolean;
  json: boolean;
  databaseUrl: string;
  applianceVersion?: string;
  attempts: number;
  retryDelayMs: number;
  /** longest single wait honoured from the service's Retry-After */
  maxWaitSeconds: number;
  warnDays: number;
  /** 0: check in now; else wait a delay derived from the appliance id within this window */
  spreadSeconds: number;
  graceSeconds: number;
  /** vendor keys shipped with the image: the root of the appliance's trust in the vendor's keys */
  vendorKeys?: JWK[];
  clock: () => Date;
}

export const DEFAULT_SPREAD_SECONDS = 3600;

export function checkInSettings(argv: string[], env: NodeJS.ProcessEnv = process.env): CheckInSettings {
  const { values } = parse(argv, {
    attempts: { type: "string" },
    "retry-delay-ms": { type: "string" },
    "max-wait-seconds": { type: "string" },
    "warn-days": { type: "string" },
    "spread-seconds": { type: "string" },
    "no-spread": { type: "boolean" },
    json: { type: "boolean" },
  });
  const r = new Reader(values, env);
  const spread = r.int("spread-seconds", "ALGA_CHECKIN_SPREAD_SECONDS", DEFAULT_SPREAD_SECONDS, 0, 86_400, "seconds");
  const s = {
    help: values.help === true,
    json: values.json === true,
    databaseUrl: r.databaseUrl() ?? "",
    applianceVersion: r.raw(undefined, "APPLIANCE_VERSION"),
    attempts: r.int("attempts", "ALGA_CHECKIN_ATTEMPTS", 4, 1, 50, "attempts"),
    retryDelayMs: r.int("retry-delay-ms", "ALGA_CHECKIN_RETRY_DELAY_MS", 1000, 1, 600_000, "milliseconds"),
    maxWaitSeconds: r.int("max-wait-seconds", "ALGA_CHECKIN_MAX_WAIT_SECONDS", 300, 1, 3600, "seconds"),
    warnDays: r.int("warn-days", "ALGA_CHECKIN_WARN_DAYS", 7, 0, 365, "days"),
    spreadSeconds: r.bool("no-spread") ? 0 : spread,
    graceSeconds: r.graceSeconds(),
    vendorKeys: r.vendorKeys(),
    clock: r.clock(),
  };
  if (!s.help && !s.databaseUrl && !r.problems.some((p) => p.includes("APPLIANCE_DATABASE_URL"))) {
    r.fail(undefined, "APPLIANCE_DATABASE_URL", "is required: the appliance's PostgreSQL, e.g. postgresql://alga@db:5432/appliance");
  }
  return r.done(s);
}

// ---------------------------------------------------------------------------------------------------
// alga-license status
// ---------------------------------------------------------------------------------------------------
export interface LicenseStatusSettings {
  help: boolean;
  json: boolean;
  databaseUrl: string;
  graceSeconds: number;
  /** the root the stored pins are re-verified from (unset: the appliance is unanchored) */
  vendorKeys?: JWK[];
  clock: () => Date;
}

export function licenseStatusSettings(argv: string[], env: NodeJS.ProcessEnv = process.env): LicenseStatusSettings {
  const { values, positionals } = parse(argv, { json: { type: "boolean" } }, true);
  const r = new Reader(values, env);
  const help = values.help === true;
  if (!help && positionals[0] !== "status")
    r.problems.push(
      positionals[0] ? `unknown command "${positionals[0]}": use alga-license status, renewal-request or import` : "missing command: use alga-license status",
    );
  if (positionals.length > 1) r.problems.push(`unexpected argument "${positionals[1]}"`);
  const s = {
    help,
    json: values.json === true,
    databaseUrl: r.databaseUrl() ?? "",
    graceSeconds: r.graceSeconds(),
    vendorKeys: r.vendorKeys(),
    clock: r.clock(),
  };
  if (!help && !s.databaseUrl && !r.problems.some((p) => p.includes("APPLIANCE_DATABASE_URL"))) {
    r.fail(undefined, "APPLIANCE_DATABASE_URL", "is required: the appliance's PostgreSQL, e.g. postgresql://alga@db:5432/appliance");
  }
  return r.done(s);
}

// ---------------------------------------------------------------------------------------------------
// the air-gapped exchange: alga-setup offline-request / offline-apply, alga-license renewal-request / import
// ---------------------------------------------------------------------------------------------------
export interface OfflineRequestSettings {
  help: boolean;
  json: boolean;
  installCode: string;
  /** where the request file is written */
  out: string;
  applianceId: string;
  stateDir: string;
  clock: () => Date;
}

const setupApplianceId = (r: Reader, stateDir: string, env: NodeJS.ProcessEnv): string => {
  const given = r.applianceId("appliance-id", "APPLIANCE_ID");
  if (given || r.problems.length) return given ?? "";
  try {
    return resolveApplianceId(stateDir, env);
  } catch (err) {
    r.fail(
      undefined,
      "ALGA_STATE_DIR",
      `cannot keep the derived appliance id in ${stateDir} (${(err as Error).message}): set APPLIANCE_ID or a writable ALGA_STATE_DIR`,
    );
    return "";
  }
};

export function offlineRequestSettings(argv: string[], env: NodeJS.ProcessEnv = process.env): OfflineRequestSettings {
  const { values } = parse(argv, {
    "install-code": { type: "string" },
    out: { type: "string" },
    "appliance-id": { type: "string" },
    json: { type: "boolean" },
  });
  const r = new Reader(values, env);
  const help = values.help === true;
  const stateDir = r.raw(undefined, "ALGA_STATE_DIR") ?? DEFAULT_STATE_DIR;
  const installCode = r.raw("install-code", "ALGA_INSTALL_CODE");
  const out = r.raw("out");
  if (!help && !installCode) r.fail("install-code", "ALGA_INSTALL_CODE", "the install code from the email is required");
  if (!help && !out) r.fail("out", undefined, "the file to write the request to is required, e.g. --out request.json");
  const s = { help, json: values.json === true, installCode: installCode ?? "", out: out ?? "", applianceId: "", stateDir, clock: r.clock() };
  if (!help) s.applianceId = setupApplianceId(r, stateDir, env);
  return r.done(s);
}

export interface OfflineApplySettings {
  help: boolean;
  json: boolean;
  responseFile: string;
  adminPasswordFile?: string;
  applianceId: string;
  stateDir: string;
  target: ApplyTarget;
  vendorKeys?: JWK[];
  graceSeconds: number;
  /** recorded in the seed for a later online check-in (default: the service's URL from the response) */
  licenseUrl?: string;
  clock: () => Date;
}

export function offlineApplySettings(argv: string[], env: NodeJS.ProcessEnv = process.env): OfflineApplySettings {
  const { values } = parse(argv, {
    response: { type: "string" },
    "admin-password-file": { type: "string" },
    output: { type: "string" },
    kubectl: { type: "string" },
    namespace: { type: "string" },
    "appliance-id": { type: "string" },
    "license-url": { type: "string" },
    json: { type: "boolean" },
  });
  const r = new Reader(values, env);
  const help = values.help === true;
  const stateDir = r.raw(undefined, "ALGA_STATE_DIR") ?? DEFAULT_STATE_DIR;
  const responseFile = r.readableFile("response", undefined, "response");
  if (!help && !responseFile && !r.problems.some((p) => p.startsWith("--response")))
    r.fail("response", undefined, "the response file from the vendor is required, e.g. --response response.json");
  const s: OfflineApplySettings = {
    help,
    json: values.json === true,
    responseFile: responseFile ?? "",
    adminPasswordFile: r.readableFile("admin-password-file", "ALGA_ADMIN_PASSWORD_FILE", "admin password"),
    applianceId: "",
    stateDir,
    target: {
      outputDir: r.raw("output", "ALGA_SEED_DIR") ?? DEFAULT_SEED_DIR,
      kubectl: r.raw("kubectl", "ALGA_KUBECTL"),
      namespace: r.raw("namespace", "ALGA_NAMESPACE"),
    },
    vendorKeys: r.vendorKeys(),
    graceSeconds: r.graceSeconds(),
    licenseUrl: r.serviceUrl("license-url", "ALGA_LICENSE_URL"),
    clock: r.clock(),
  };
  if (!help && !s.adminPasswordFile && !r.problems.some((p) => p.includes("ALGA_ADMIN_PASSWORD_FILE"))) {
    r.fail("admin-password-file", "ALGA_ADMIN_PASSWORD_FILE", "a file with the appliance admin password is required");
  }
  if (!help) s.applianceId = setupApplianceId(r, stateDir, env);
  return r.done(s);
}

export interface LicenseFileSettings {
  help: boolean;
  json: boolean;
  /** renewal-request: the request file written; import: the response file read */
  file: string;
  databaseUrl: string;
  vendorKeys?: JWK[];
  graceSeconds: number;
  clock: () => Date;
}

/** alga-license renewal-request --out F / alga-license import --file F */
export function licenseFileSettings(command: "renewal-request" | "import", argv: string[], env: NodeJS.ProcessEnv = process.env): LicenseFileSettings {
  const flag = command === "import" ? "file" : "out";
  const { values, positionals } = parse(argv, { [flag]: { type: "string" }, json: { type: "boolean" } }, true);
  const r = new Reader(values, env);
  const help = values.help === true;
  if (positionals.length > 1) r.problems.push(`unexpected argument "${positionals[1]}"`);
  const file = command === "import" ? r.readableFile("file", undefined, "response") : r.raw("out");
  if (!help && !file && !r.problems.some((p) => p.startsWith(`--${flag}`))) {
    r.fail(
      flag,
      undefined,
      command === "import"
        ? "the response file from the vendor is required, e.g. --file renewal-response.json"
        : "the file to write the request to is required, e.g. --out renewal-request.json",
    );
  }
  const s = {
    help,
    json: values.json === true,
    file: file ?? "",
    databaseUrl: r.databaseUrl() ?? "",
    vendorKeys: r.vendorKeys(),
    graceSeconds: r.graceSeconds(),
    clock: r.clock(),
  };
  if (!help && !s.databaseUrl && !r.problems.some((p) => p.includes("APPLIANCE_DATABASE_URL"))) {
    r.fail(undefined, "APPLIANCE_DATABASE_URL", "is required: the appliance's PostgreSQL, e.g. postgresql://alga@db:5432/appliance");
  }
  return r.done(s);
}
