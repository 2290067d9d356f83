// Every setting of the appliance commands (alga-setup, alga-setup connect, offline-request,
// offline-apply, alga-create-tenant, alga-check-in, alga-license status, renewal-request, import),
// read once from the command line and the environment against the commands' declarations
// (commands.ts, settings.ts) and validated there. A flag wins over its variable; a flag no command
// declares, or one of another command, is refused naming it. Every problem of a run is named at once,
// each with the flag and/or variable and what a valid value looks like; the commands exit 2 on any
// (setup-tui/README.md, "Settings", lists them all).
import { listed, resolveFlags, scanCommandLine, UsageError, wordsOf, type CommandSpec, type FlagSpecs, type FlagValues } from "@alga-license/contract";
import type { JWK } from "jose";
import { resolveApplianceId } from "./appliance-id.js";
import { CHECK_IN, CONNECT, CREATE_TENANT, IMPORT, LICENSE_STATUS, OFFLINE_APPLY, OFFLINE_REQUEST, PROGRAMS, RENEWAL_REQUEST, SETUP } from "./commands.js";
import { DEFAULT_OFFLINE_GRACE_SECONDS as DEFAULT_OFFLINE_GRACE } from "./license/verify.js";
import { APPLIANCE_WORDING } from "./settings.js";

export { DEFAULT_SEED_DIR, DEFAULT_SPREAD_SECONDS, DEFAULT_STATE_DIR } from "./settings.js";
export { UsageError };

/** What a command line said beyond its values: its other words and every problem found. */
interface Problems {
  help: boolean;
  /** the words after the command's own */
  args: string[];
  /** the problems of the words (unknown command, unexpected argument): named first */
  wordProblems: string[];
  problems: string[];
  /** records a problem of a setting, labelled as the declarations' are */
  fail(label: string, message: string): void;
}

/** A command line read against one command. */
interface Reading<F extends FlagSpecs> extends Problems {
  values: FlagValues<F>;
}

/**
 * Reads argv against `command`, refusing a flag it does not take (throws: that is the only problem
 * named). The command's words (e.g. "offline-request") are skipped wherever they stand.
 */
function read<F extends FlagSpecs>(argv: string[], command: CommandSpec<F>, env: NodeJS.ProcessEnv): Reading<F> {
  const program = command.name.split(" ")[0] as keyof typeof PROGRAMS;
  const siblings = PROGRAMS[program].filter((c) => c.name !== command.name);
  const scanned = scanCommandLine(argv, command, siblings, APPLIANCE_WORDING);
  const words = command.name.split(" ").slice(1);
  const args = scanned.positionals.filter((w, i) => !(i < words.length && w === words[i]));
  const r = resolveFlags(command.flags, scanned.given, env, APPLIANCE_WORDING);
  const problems = r.problems.map((p) => p.message);
  return {
    help: scanned.given.help === true,
    values: r.values,
    args,
    wordProblems: [],
    problems,
    fail: (label, message) => void problems.push(APPLIANCE_WORDING.join!(label, message)),
  };
}

/** The settings, or every problem at once; `--help` wins over problems. */
function done<T extends { help: boolean }>(r: Problems, value: T): T {
  const problems = [...r.wordProblems, ...r.problems];
  if (!value.help && problems.length) throw new UsageError(problems);
  return value;
}

/** "unexpected argument" for words a command does not take */
function noArguments(r: Problems, args = r.args) {
  if (args.length) r.wordProblems.push(`unexpected argument "${args[0]}"`);
}

const realClock = () => new Date();

/** What a command on the installed appliance's database reads: the database, the root keys, the grace and the clock. */
const applianceDb = (v: FlagValues<typeof LICENSE_STATUS.flags>) => ({
  help: v.help,
  json: v.json,
  databaseUrl: v.databaseUrl ?? "",
  vendorKeys: v.vendorKeys,
  graceSeconds: v.graceSeconds ?? DEFAULT_OFFLINE_GRACE,
  clock: v.clock ?? realClock,
});

/** A command on the installed appliance's database that takes no other words: its settings, or every problem. */
function applianceDbSettings<F extends typeof LICENSE_STATUS.flags, T>(
  argv: string[],
  command: CommandSpec<F>,
  env: NodeJS.ProcessEnv,
  own: (v: FlagValues<F>) => T,
) {
  const r = read(argv, command, env);
  noArguments(r);
  return done(r, { ...applianceDb(r.values as FlagValues<typeof LICENSE_STATUS.flags>), ...own(r.values) });
}

/** The appliance id given, else derived from the machine and kept in the state folder. */
function setupApplianceId(r: Problems, given: string | undefined, stateDir: string, env: NodeJS.ProcessEnv): string {
  if (given || r.problems.length || r.wordProblems.length) return given ?? "";
  try {
    return resolveApplianceId(stateDir, env);
  } catch (err) {
    r.fail("ALGA_STATE_DIR", `cannot keep the derived appliance id in ${stateDir} (${(err as Error).message}): set APPLIANCE_ID or a writable ALGA_STATE_DIR`);
    return "";
  }
}

/** Which command of a program a command line runs: its first word, when that names one. */
export function commandOf<C extends CommandSpec>(argv: string[], commands: readonly C[]): C | undefined {
  const [word] = wordsOf(argv, commands);
  return commands.find((c) => c.name.split(" ")[1] === word);
}

// ---------------------------------------------------------------------------------------------------
// alga-setup and alga-setup connect
// ---------------------------------------------------------------------------------------------------
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

/** The words alga-setup takes after its name, for the message of one it does not know. */
const SETUP_WORDS = listed(PROGRAMS["alga-setup"].map((c) => c.name));

export function setupSettings(argv: string[], env: NodeJS.ProcessEnv = process.env, isTTY = !!process.stdin.isTTY): SetupSettings {
  const connect = wordsOf(argv, PROGRAMS["alga-setup"])[0] === "connect";
  const r = connect ? read(argv, CONNECT, env) : read(argv, SETUP, env);
  const v = r.values;
  if (!connect && r.args[0] !== undefined) r.wordProblems.push(`unknown command "${r.args[0]}": use ${SETUP_WORDS}`);
  noArguments(r, connect ? r.args : r.args.slice(1));
  const interactive = setupIsInteractive(argv, env, isTTY);
  const s: SetupSettings = {
    command: connect ? "connect" : "setup",
    help: r.help,
    interactive,
    installCode: v["install-code"],
    adminPasswordFile: v["admin-password-file"],
    licenseUrl: v["license-url"],
    applianceId: v["appliance-id"] ?? "",
    stateDir: v.stateDir,
    target: { outputDir: v.output, kubectl: v.kubectl, namespace: v.namespace },
    databaseUrl: v.databaseUrl,
    vendorKeys: v.vendorKeys,
    graceSeconds: v.graceSeconds ?? DEFAULT_OFFLINE_GRACE,
    clock: v.clock ?? realClock,
  };
  if (s.help) return s;
  if (!interactive && !s.installCode) r.fail("--install-code / ALGA_INSTALL_CODE", "the non-interactive mode (no terminal) needs the install code");
  // (the admin password file is checked once the appliance's state is known: a bootstrapped appliance needs none)
  // connect works on the installed appliance's id unless one is given
  if (!connect) s.applianceId = setupApplianceId(r, s.applianceId || undefined, s.stateDir, env);
  return done(r, s);
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
  return applianceDbSettings(argv, CREATE_TENANT, env, (v) => ({ seedDir: v["seed-dir"] }));
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

export function checkInSettings(argv: string[], env: NodeJS.ProcessEnv = process.env): CheckInSettings {
  return applianceDbSettings(argv, CHECK_IN, env, (v) => ({
    applianceVersion: v.applianceVersion,
    attempts: v.attempts ?? 0,
    retryDelayMs: v["retry-delay-ms"] ?? 0,
    maxWaitSeconds: v["max-wait-seconds"] ?? 0,
    warnDays: v["warn-days"] ?? 0,
    spreadSeconds: v["no-spread"] ? 0 : (v["spread-seconds"] ?? 0),
  }));
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

/** The words alga-license takes, for the message of a missing or unknown one. */
const LICENSE_WORDS = listed(PROGRAMS["alga-license"].map((c) => c.name.split(" ")[1]!));

export function licenseStatusSettings(argv: string[], env: NodeJS.ProcessEnv = process.env): LicenseStatusSettings {
  const r = read(argv, LICENSE_STATUS, env);
  const [word, ...extra] = wordsOf(argv, PROGRAMS["alga-license"]);
  if (!r.help && word !== "status") {
    r.wordProblems.push(word ? `unknown command "${word}": use alga-license ${LICENSE_WORDS}` : "missing command: use alga-license status");
  }
  noArguments(r, extra);
  return done(r, applianceDb(r.values));
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

export function offlineRequestSettings(argv: string[], env: NodeJS.ProcessEnv = process.env): OfflineRequestSettings {
  const r = read(argv, OFFLINE_REQUEST, env);
  const v = r.values;
  noArguments(r);
  const s = {
    help: r.help,
    json: v.json,
    installCode: v["install-code"] ?? "",
    out: v.out ?? "",
    applianceId: "",
    stateDir: v.stateDir,
    clock: v.clock ?? realClock,
  };
  if (!s.help) s.applianceId = setupApplianceId(r, v["appliance-id"], s.stateDir, env);
  return done(r, s);
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
  const r = read(argv, OFFLINE_APPLY, env);
  const v = r.values;
  noArguments(r);
  const s: OfflineApplySettings = {
    help: r.help,
    json: v.json,
    responseFile: v.response ?? "",
    adminPasswordFile: v["admin-password-file"],
    applianceId: "",
    stateDir: v.stateDir,
    target: { outputDir: v.output, kubectl: v.kubectl, namespace: v.namespace },
    vendorKeys: v.vendorKeys,
    graceSeconds: v.graceSeconds ?? DEFAULT_OFFLINE_GRACE,
    licenseUrl: v["license-url"],
    clock: v.clock ?? realClock,
  };
  if (!s.help) s.applianceId = setupApplianceId(r, v["appliance-id"], s.stateDir, env);
  return done(r, s);
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
  return command === "import"
    ? applianceDbSettings(argv, IMPORT, env, (v) => ({ file: v.file ?? "" }))
    : applianceDbSettings(argv, RENEWAL_REQUEST, env, (v) => ({ file: v.out ?? "" }));
}
