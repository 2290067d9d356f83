// Every appliance command, declared once: the words that run it, what it does, each flag and variable
// it reads (settings.ts) and the exit codes it can return (failure-exits.ts). config.ts reads a command
// line against these, `--help` prints the help generated from them, and setup-tui/README.md's command
// reference is generated from them too (command-reference.ts; a test keeps it current).
import { exitCodes, setting, toggle, type CommandSpec, type FlagSpecs } from "@alga-license/contract";
import { CHECKIN_EXIT, CREATE_TENANT_EXIT, SETUP_EXIT, STATUS_EXIT } from "./failure-exits.js";
import {
  ADMIN_PASSWORD_FILE,
  APPLIANCE_ID,
  CLOCK,
  count,
  DATABASE_URL,
  DATABASE_URL_TO_CONNECT,
  DATABASE_URL_TO_INSPECT,
  DEFAULT_SPREAD_SECONDS,
  GRACE_SECONDS,
  HELP,
  INSTALL_CODE,
  JSON_OUTPUT,
  KUBECTL,
  need,
  LICENSE_URL,
  NAMESPACE,
  OUTPUT_DIR,
  requestOut,
  responseFile,
  SEED_DIR,
  STATE_DIR,
  VENDOR_KEYS,
} from "./settings.js";

/** Declares a command; its flags type the values its settings receive. */
const command = <F extends FlagSpecs>(c: CommandSpec<F>): CommandSpec<F> => c;

// ---------------------------------------------------------------------------------------------------
// alga-setup and alga-setup connect
// ---------------------------------------------------------------------------------------------------
const setupFlags = {
  "install-code": { ...INSTALL_CODE, help: "without the wizard: redeem this code" },
  "admin-password-file": ADMIN_PASSWORD_FILE,
  "license-url": LICENSE_URL,
  output: OUTPUT_DIR,
  kubectl: KUBECTL,
  namespace: NAMESPACE,
  "appliance-id": APPLIANCE_ID,
  help: HELP,
  databaseUrl: DATABASE_URL_TO_INSPECT,
  stateDir: STATE_DIR,
  vendorKeys: { ...VENDOR_KEYS, help: "vendor keys shipped with the image (a JWKS file path, or the JSON), trusted at install" },
  graceSeconds: GRACE_SECONDS,
  clock: CLOCK,
};

const SETUP_EXITS = {
  OK: "ok",
  FAILED: "failed",
  USAGE: "usage, weak password or ALGA_STATE_DIR not writable",
  MALFORMED_CODE: "malformed code (nothing sent)",
  CODE_REFUSED: "code refused (invalid/expired/used/revoked, another organisation's, no paid license)",
  TENANT_SUSPENDED: "tenant suspended",
  UNREACHABLE: "license service unreachable or busy",
  APPLY_FAILED: "seeds not applied after the code was used",
  RATE_LIMITED: "rate limited",
  NOT_VERIFIED: "keys or license not verified",
} as const;

/** Ctrl+C in the wizard: the conventional status of a quit */
export const QUIT_EXIT = 130;

export const SETUP = command({
  name: "alga-setup",
  summary: "first-boot setup: the wizard on a terminal; non-interactive with --install-code (or without a terminal).",
  description: "Non-interactive runs print one JSON document on stdout for every outcome. 130 is the exit of a wizard quit with Ctrl+C.",
  flags: {
    ...setupFlags,
    "license-url": need(LICENSE_URL, "--license-url / ALGA_LICENSE_URL: the license service URL is required, e.g. https://license.example.com"),
  },
  exits: [...exitCodes(SETUP_EXIT, SETUP_EXITS), { name: "QUIT", code: QUIT_EXIT, meaning: "quit with Ctrl+C" }],
});

export const CONNECT = command({
  name: "alga-setup connect",
  summary: "an installed appliance takes a paid license for its own organisation (upgrade in place).",
  description: "The service URL and the appliance id default to the installed ones; the admin password is left as it is.",
  flags: {
    ...setupFlags,
    "license-url": { ...LICENSE_URL, help: "the license service's base URL; unset: the URL the appliance was installed with" },
    databaseUrl: DATABASE_URL_TO_CONNECT,
  },
  exits: [
    ...exitCodes(SETUP_EXIT, { ...SETUP_EXITS, NOT_BOOTSTRAPPED: "not installed (run alga-setup first)" }),
    { name: "QUIT", code: QUIT_EXIT, meaning: "quit with Ctrl+C" },
  ],
});

// ---------------------------------------------------------------------------------------------------
// the air-gapped exchange: alga-setup offline-request / offline-apply, alga-license renewal-request / import
// ---------------------------------------------------------------------------------------------------
/** What every command on the installed appliance's database reads (and --json, --help). */
const APPLIANCE_DB_FLAGS = {
  json: JSON_OUTPUT,
  help: HELP,
  databaseUrl: DATABASE_URL,
  vendorKeys: VENDOR_KEYS,
  graceSeconds: GRACE_SECONDS,
  clock: CLOCK,
};

const NOT_FOR_THIS_REQUEST = "not for this appliance's pending request (another appliance or key, replayed, stale)";

export const OFFLINE_REQUEST = command({
  name: "alga-setup offline-request",
  summary: "no network path: writes an activation request file signed by this appliance's key.",
  description:
    "The request holds the appliance id, its public key, a nonce and a digest of the code (never the code). Carry the file to the vendor (or show them the QR code or the text); the vendor answers with a response file for alga-setup offline-apply. On a terminal the request is also shown as a QR code and as text.",
  flags: {
    "install-code": need(INSTALL_CODE, "--install-code / ALGA_INSTALL_CODE: the install code from the email is required"),
    out: requestOut("request.json"),
    "appliance-id": APPLIANCE_ID,
    json: JSON_OUTPUT,
    help: HELP,
    stateDir: STATE_DIR,
    clock: CLOCK,
  },
  exits: exitCodes(SETUP_EXIT, { OK: "written", FAILED: "failed", USAGE: "usage or ALGA_STATE_DIR not writable", MALFORMED_CODE: "malformed code" }),
});

export const OFFLINE_APPLY = command({
  name: "alga-setup offline-apply",
  summary: "applies the vendor's response file: verifies it and writes the same seed Secrets as an online install.",
  description: "Then run alga-create-tenant as usual.",
  flags: {
    response: responseFile("response", "response.json"),
    "admin-password-file": need(
      { ...ADMIN_PASSWORD_FILE, help: "a file with the appliance admin password" },
      "--admin-password-file / ALGA_ADMIN_PASSWORD_FILE: a file with the appliance admin password is required",
    ),
    output: OUTPUT_DIR,
    kubectl: KUBECTL,
    namespace: NAMESPACE,
    "license-url": { ...LICENSE_URL, help: "recorded for a later online check-in; unset: the service's URL in the response" },
    "appliance-id": APPLIANCE_ID,
    json: JSON_OUTPUT,
    help: HELP,
    stateDir: STATE_DIR,
    vendorKeys: VENDOR_KEYS,
    graceSeconds: GRACE_SECONDS,
    clock: CLOCK,
  },
  exits: exitCodes(SETUP_EXIT, {
    OK: "applied",
    FAILED: "failed",
    USAGE: "usage or not a response file",
    APPLY_FAILED: "seeds not written",
    NOT_VERIFIED: "not verified (edited, or not signed by the vendor's keys)",
    NOT_FOR_THIS_REQUEST,
  }),
});

export const RENEWAL_REQUEST = command({
  name: "alga-license renewal-request",
  summary: "no network path: writes a renewal request file signed by this appliance's key.",
  description:
    "It carries the next seat/usage report (hash-chained to the previous one). The vendor answers it with alga-store renew-offline; import the answer with alga-license import --file.",
  flags: { out: requestOut("renewal-request.json"), ...APPLIANCE_DB_FLAGS },
  exits: exitCodes(SETUP_EXIT, { OK: "written", FAILED: "failed", USAGE: "usage", NOT_BOOTSTRAPPED: "not installed" }),
});

export const IMPORT = command({
  name: "alga-license import",
  summary: "stores the license of the vendor's renewal response, once it verifies; never an older one.",
  description: "A key rotation inside the response is accepted only when a key this appliance pins, or ALGA_VENDOR_KEYS, signed it.",
  flags: { file: responseFile("file", "renewal-response.json"), ...APPLIANCE_DB_FLAGS },
  exits: exitCodes(SETUP_EXIT, {
    OK: "stored",
    FAILED: "failed",
    USAGE: "usage or not a response file",
    NOT_VERIFIED: "not verified",
    NOT_BOOTSTRAPPED: "not installed",
    NOT_FOR_THIS_REQUEST: `${NOT_FOR_THIS_REQUEST.slice(0, -1)}, or an older license)`,
  }),
});

// ---------------------------------------------------------------------------------------------------
// alga-create-tenant, alga-check-in, alga-license status
// ---------------------------------------------------------------------------------------------------
export const CREATE_TENANT = command({
  name: "alga-create-tenant",
  summary: "bootstraps the appliance database from the seeds.",
  description:
    "Without --seed-dir the seeds are read from the environment: INITIAL_TENANT_DIGEST, INITIAL_TENANT_ID, INITIAL_ADMIN_PASSWORD, INITIAL_ADMIN_EMAIL, INITIAL_COMPANY_NAME, LICENSE_SEED_DIGEST, EDITION, APPLIANCE_ID, ALGA_LICENSE_URL, REDEEMED_AT, LICENSE_VENDOR_KEYS, APPLIANCE_KEY, LICENSE_TOKEN, APPLIANCE_CREDENTIAL, CHECK_IN_URL (a seed must match its digest). INITIAL_ADMIN_PASSWORD is needed only while the admin user does not exist. Seeds of a newer redemption for the same tenant (a reinstall) refresh license_state when the keys this appliance pins (or the root) signed their key document; another tenant's seeds are refused.",
  flags: { "seed-dir": SEED_DIR, ...APPLIANCE_DB_FLAGS },
  exits: exitCodes(CREATE_TENANT_EXIT, {
    OK: "created, refreshed or already bootstrapped",
    FAILED: "failed",
    USAGE: "usage or bad seeds",
    OTHER_TENANT: "bootstrapped for another tenant",
  }),
});

export const CHECK_IN = command({
  name: "alga-check-in",
  summary: "the daily license refresh (the chart's CronJob runs it).",
  flags: {
    "spread-seconds": count(
      "N",
      "first wait a delay derived from this appliance within N seconds, so a fleet does not call at once",
      "ALGA_CHECKIN_SPREAD_SECONDS",
      0,
      86_400,
      "seconds",
      DEFAULT_SPREAD_SECONDS,
    ),
    "no-spread": toggle("check in now (a manual run)"),
    attempts: count("N", "attempts while the service is unreachable or busy", "ALGA_CHECKIN_ATTEMPTS", 1, 50, "attempts", 4),
    "retry-delay-ms": count("MS", "first backoff, doubled per attempt", "ALGA_CHECKIN_RETRY_DELAY_MS", 1, 600_000, "milliseconds", 1000),
    "max-wait-seconds": count("N", "longest wait honoured from Retry-After", "ALGA_CHECKIN_MAX_WAIT_SECONDS", 1, 3600, "seconds", 300),
    "warn-days": count("D", "validity below which an unreachable service is an error", "ALGA_CHECKIN_WARN_DAYS", 0, 365, "days", 7),
    json: JSON_OUTPUT,
    help: HELP,
    databaseUrl: DATABASE_URL,
    applianceVersion: setting("APPLIANCE_VERSION", "reported to the control plane"),
    graceSeconds: GRACE_SECONDS,
    vendorKeys: VENDOR_KEYS,
    clock: CLOCK,
  },
  exits: exitCodes(CHECKIN_EXIT, {
    OK: "refreshed, essentials, or service down/busy with enough validity left",
    FAILED: "failed",
    USAGE: "usage or not bootstrapped",
    LICENSE_AT_RISK: "service down/busy and the license lapses within --warn-days, or has lapsed",
    REFUSED: "refused (tenant suspended, credential revoked or replaced)",
    ENTITLEMENT_LAPSED: "subscription lapsed (ENTITLEMENT_LAPSED): no new license, the appliance runs as ESSENTIALS once its current one expires",
    NOT_VERIFIED: "the refreshed license did not verify (not stored)",
  }),
});

export const LICENSE_STATUS = command({
  name: "alga-license status",
  summary: "the appliance's license, verified offline: edition, features, expiry, last check-in, where the keys' trust comes from.",
  flags: APPLIANCE_DB_FLAGS,
  exits: exitCodes(STATUS_EXIT, {
    OK: "licensed and verified (or essentials, which needs no license)",
    FAILED: "failed",
    USAGE: "usage or not bootstrapped",
    IN_GRACE: "expired, honoured only within the offline grace",
    REFUSED: "the stored license is refused (forged, another tenant's, expired past grace): runs as ESSENTIALS",
  }),
});

/** The commands of each appliance bin, in the order their help lists them. */
export const PROGRAMS = {
  "alga-setup": [SETUP, CONNECT, OFFLINE_REQUEST, OFFLINE_APPLY],
  "alga-create-tenant": [CREATE_TENANT],
  "alga-check-in": [CHECK_IN],
  "alga-license": [LICENSE_STATUS, RENEWAL_REQUEST, IMPORT],
} as const satisfies Record<string, readonly CommandSpec[]>;
