// The settings the appliance commands share, each declared once (contract/src/cli): its flag and/or
// environment variable, help, default and check. A check's problem names the flag and the variable and
// says what a valid value looks like; commands.ts picks the ones each command reads and config.ts
// reads them (setup-tui/README.md, "Settings", lists them all).
import { existsSync, readFileSync, statSync } from "node:fs";
import { isApplianceId, option, parseBaseUrl, setting, toggle, UsageError, type StringFlag, type Wording } from "@alga-license/contract";
import type { JWK } from "jose";
import { DEFAULT_OFFLINE_GRACE_SECONDS, parseVendorKeys } from "./license/verify.js";

export const DEFAULT_STATE_DIR = "/var/lib/alga-appliance";
export const DEFAULT_SEED_DIR = "./appliance-seeds";
export const DEFAULT_SPREAD_SECONDS = 3600;
const MAX_CLOCK_OFFSET_SECONDS = 200 * 365 * 86_400;

/**
 * How the appliance tools word a problem: "--flag / VARIABLE: what is wrong", whichever of the two
 * gave the value (the operator may have set either); an unknown flag in node's words.
 */
export const APPLIANCE_WORDING: Wording = {
  label: (flag, env) => [flag, env].filter(Boolean).join(" / "),
  join: (label, text) => `${label}: ${text}`,
  unknownFlag: (raw) => `Unknown option '${raw}'`,
};

const fail = (source: string, message: string): never => {
  throw new UsageError(`${source}: ${message}`);
};

// ---------------------------------------------------------------------------------------------------
// checks: each takes the value (trimmed, never empty) and the name of where it came from
// ---------------------------------------------------------------------------------------------------
const wholeNumber =
  (min: number, max: number, unit: string, fallback: number) =>
  (v: string, source: string): number =>
    /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max
      ? Number(v)
      : fail(source, `"${v}" is not a whole number of ${unit} between ${min} and ${max} (default ${fallback})`);

function serviceUrl(v: string, source: string): string {
  try {
    return parseBaseUrl(v).href.replace(/\/+$/, "");
  } catch (err) {
    return fail(source, (err as Error).message.replace(/^the license service URL /, ""));
  }
}

function databaseUrl(v: string, source: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return fail(source, "is not a URL: write it as postgresql://user:password@host:5432/database");
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") fail(source, `must start with postgresql:// (got ${u.protocol}//)`);
  return v;
}

const applianceId = (v: string, source: string): string =>
  isApplianceId(v) ? v : fail(source, `"${v}" must be 1-128 letters, digits, '.', '_', ':' or '-' (starting with a letter or digit)`);

/** A path that must exist and be a folder or a file (`what` names it in the problem). */
const existing =
  (kind: "folder" | "file", what: string) =>
  (v: string, source: string): string => {
    if (!existsSync(v)) fail(source, `the ${what} ${kind} ${v} does not exist`);
    if (!(kind === "folder" ? statSync(v).isDirectory() : statSync(v).isFile())) fail(source, `${v} is not a ${kind}`);
    return v;
  };

function vendorKeys(v: string, source: string): JWK[] {
  try {
    return parseVendorKeys(/^[[{]/.test(v) ? v : readFileSync(v, "utf8"));
  } catch (err) {
    return fail(source, `${(err as Error).message} (a JWKS file path, or the JSON itself)`);
  }
}

const GRACE_HOURS = DEFAULT_OFFLINE_GRACE_SECONDS / 3600;
const graceHours = wholeNumber(0, 24 * 90, "hours", GRACE_HOURS);

/**
 * The clock the appliance tools read. ALGA_CLOCK_OFFSET_SECONDS shifts it, for tests only: it grants
 * nothing that setting the system clock would not, and licenses are judged against server-signed time.
 */
function clock(v: string, source: string): () => Date {
  if (!/^[+-]?\d+$/.test(v) || Math.abs(Number(v)) > MAX_CLOCK_OFFSET_SECONDS) {
    fail(
      source,
      `"${v}" is not a whole number of seconds between -${MAX_CLOCK_OFFSET_SECONDS} and ${MAX_CLOCK_OFFSET_SECONDS} (for tests only: leave it unset)`,
    );
  }
  const offsetMs = Number(v) * 1000;
  return () => new Date(Date.now() + offsetMs);
}

// ---------------------------------------------------------------------------------------------------
// the settings
// ---------------------------------------------------------------------------------------------------
export const HELP = toggle("this help", "h");
export const JSON_OUTPUT = toggle("one JSON document on stdout for every outcome");

const DATABASE_REQUIRED = "APPLIANCE_DATABASE_URL: is required: the appliance's PostgreSQL, e.g. postgresql://alga@db:5432/appliance";

/** The appliance's PostgreSQL, which the command needs. */
export const DATABASE_URL = setting("APPLIANCE_DATABASE_URL", "the appliance's PostgreSQL (postgresql://...)", {
  parse: databaseUrl,
  required: true,
  missing: DATABASE_REQUIRED,
});

/** The appliance's PostgreSQL as alga-setup reads it: optional, to see whether the appliance is bootstrapped. */
export const DATABASE_URL_TO_INSPECT = setting("APPLIANCE_DATABASE_URL", "the appliance's database: setup sees whether it is bootstrapped already", {
  parse: databaseUrl,
});

export const DATABASE_URL_TO_CONNECT = setting("APPLIANCE_DATABASE_URL", "the installed appliance's database, which connect updates", {
  parse: databaseUrl,
  required: true,
  missing: "APPLIANCE_DATABASE_URL: connect updates the installed appliance's database: set it to that PostgreSQL's URL",
});

export const VENDOR_KEYS = setting(
  "ALGA_VENDOR_KEYS",
  "vendor keys shipped with the image (a JWKS file path, or the JSON): the root the pinned keys must chain to (unset: the appliance is unanchored)",
  { parse: vendorKeys },
);

export const GRACE_SECONDS = setting("ALGA_LICENSE_GRACE_HOURS", "offline grace of an expired license, in hours", {
  default: String(GRACE_HOURS),
  parse: (v, source) => graceHours(v, source) * 3600,
});

export const CLOCK = setting("ALGA_CLOCK_OFFSET_SECONDS", "for tests only: shifts the clock the tools read by this many seconds", {
  default: "0",
  parse: clock,
});

export const STATE_DIR = setting("ALGA_STATE_DIR", "where the appliance id, the appliance key and pending requests are kept", {
  default: DEFAULT_STATE_DIR,
});

export const INSTALL_CODE = option("CODE", "the install code from the email", { env: "ALGA_INSTALL_CODE" });

export const ADMIN_PASSWORD_FILE = option("FILE", "a file with the appliance admin password (not needed on a bootstrapped appliance)", {
  env: "ALGA_ADMIN_PASSWORD_FILE",
  parse: existing("file", "admin password"),
});

export const LICENSE_URL = option("URL", "the license service's base URL", { env: "ALGA_LICENSE_URL", parse: serviceUrl });

export const OUTPUT_DIR = option("DIR", "folder for the seed Secret manifests", { env: "ALGA_SEED_DIR", default: DEFAULT_SEED_DIR });
export const KUBECTL = option("PATH", "write the Secrets with this kubectl instead", { env: "ALGA_KUBECTL" });
export const NAMESPACE = option("NS", "namespace of the Secrets", { env: "ALGA_NAMESPACE" });
export const APPLIANCE_ID = option("ID", "the appliance id; unset: derived from the machine and kept in ALGA_STATE_DIR", {
  env: "APPLIANCE_ID",
  parse: applianceId,
});

export const SEED_DIR = option("DIR", "read the seeds from the wizard's manifests (otherwise from the environment)", {
  env: "ALGA_SEED_DIR",
  parse: existing("folder", "seed"),
});

/** A setting a command cannot go without; `missing` is the whole message when it is not given. */
export const need = <S extends StringFlag>(spec: S, missing: string) =>
  ({ ...spec, required: true, missing }) as Omit<S, "required" | "missing"> & { required: true; missing: string };

/** A file the vendor sent back (offline-apply --response, import --file). */
export const responseFile = (flag: string, example: string) =>
  option("FILE", "the response file from the vendor (alga-store activate-offline / renew-offline wrote it)", {
    parse: existing("file", "response"),
    required: true,
    missing: `--${flag}: the response file from the vendor is required, e.g. --${flag} ${example}`,
  });

/** The request file a command writes (offline-request, renewal-request --out). */
export const requestOut = (example: string) =>
  option("FILE", "where the request file is written", {
    required: true,
    missing: `--out: the file to write the request to is required, e.g. --out ${example}`,
  });

/** A whole number of some unit, from a flag or its variable. */
export const count = (value: string, help: string, env: string, min: number, max: number, unit: string, fallback: number) =>
  option(value, help, { env, default: String(fallback), parse: wholeNumber(min, max, unit, fallback) });
