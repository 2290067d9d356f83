#!/usr/bin/env node
// alga-setup: the first-boot wizard on a terminal; non-interactive with --install-code (or without a
// terminal). alga-setup connect: an installed appliance redeems a code of its own tenant (upgrade in place).
import { setupIsInteractive, setupSettings, UsageError, type SetupSettings } from "../config.js";
import { failure, runNonInteractive, SETUP_EXIT, usageFailure } from "../noninteractive.js";

const USAGE = `usage: alga-setup [options]            first-boot setup (the wizard on a terminal)
       alga-setup connect [options]    an installed appliance takes a paid license for its own
                                       organisation (upgrade in place; needs APPLIANCE_DATABASE_URL)
       alga-setup offline-request ...  no network path: an activation request file (--help)
       alga-setup offline-apply ...    apply the vendor's response file (--help)

  --install-code CODE         without the wizard: redeem this code (env ALGA_INSTALL_CODE)
  --admin-password-file FILE  the appliance admin password, non-interactive setup
                              (env ALGA_ADMIN_PASSWORD_FILE; not needed when the appliance was bootstrapped)
  --license-url URL           the license service's base URL (env ALGA_LICENSE_URL; connect defaults to
                              the URL the appliance was installed with)
  --output DIR                folder for the seed Secret manifests (env ALGA_SEED_DIR, default ./appliance-seeds)
  --kubectl PATH              write the Secrets with kubectl instead (env ALGA_KUBECTL)
  --namespace NS              namespace of the Secrets (env ALGA_NAMESPACE)
  --appliance-id ID           the appliance id (env APPLIANCE_ID; default derived from the machine)
  env APPLIANCE_DATABASE_URL  the appliance's database: setup sees whether it is bootstrapped already
  env ALGA_STATE_DIR          where the derived appliance id and a redemption's key are kept
                              (default /var/lib/alga-appliance)
  env ALGA_VENDOR_KEYS        vendor keys shipped with the image (JWKS file or JSON), trusted at install
  env ALGA_LICENSE_GRACE_HOURS  offline grace of an expired license (default 72)

Non-interactive runs print one JSON document on stdout for every outcome.
exit codes: 0 ok, 1 failed, 2 usage, weak password or ALGA_STATE_DIR not writable,
            3 malformed code (nothing sent),
            4 code refused (invalid/expired/used/revoked, another organisation's, no paid license),
            5 tenant suspended, 6 license service unreachable or busy, 7 seeds not applied after the
            code was used, 8 rate limited, 9 keys or license not verified, 10 connect: not installed,
            130 quit with Ctrl+C`;

const argv = process.argv.slice(2);
// the air-gapped exchange (cli/offline.ts)
if (argv[0] === "offline-request" || argv[0] === "offline-apply") {
  const offline = await import("./offline.js");
  process.exit(await (argv[0] === "offline-request" ? offline.offlineRequestCommand : offline.offlineApplyCommand)(argv.slice(1)));
}
let settings: SetupSettings;
try {
  settings = setupSettings(argv);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  if (setupIsInteractive(argv, process.env, !!process.stdin.isTTY)) {
    console.error(`alga-setup: ${err.problems.join("\nalga-setup: ")}\n(--help lists every setting)`);
  } else {
    console.log(JSON.stringify(usageFailure(err.problems).result, null, 2));
  }
  process.exit(SETUP_EXIT.USAGE);
}
if (settings.help) {
  console.log(USAGE);
  process.exit(0);
}

if (!settings.interactive) {
  let outcome;
  try {
    outcome = await runNonInteractive(settings);
  } catch (err) {
    outcome = failure(
      SETUP_EXIT.FAILED,
      "FAILED",
      "Setup failed",
      err instanceof Error ? err.message : String(err),
      "Try again; if it persists, contact your vendor.",
    );
  }
  console.log(JSON.stringify(outcome.result, null, 2));
  process.exit(outcome.exitCode);
}

// the screen's libraries load only for the wizard
const [{ render }, { createElement }, { Wizard }] = await Promise.all([import("ink"), import("react"), import("../wizard/app.js")]);
let finished = false;
const app = render(createElement(Wizard, { settings, onFinish: () => (finished = true) }), { exitOnCtrlC: false });
await app.waitUntilExit();
// Ctrl+C before the end: quit with the conventional status
process.exit(finished ? 0 : 130);
