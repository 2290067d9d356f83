#!/usr/bin/env node
// alga-setup: the first-boot wizard on a terminal; non-interactive with --install-code (or without a
// terminal). alga-setup connect: an installed appliance redeems a code of its own tenant (upgrade in place).
// Its commands, flags, variables and exit codes are declared in commands.ts; --help is generated.
import { commandHelp, programHelp, usageExit } from "@alga-license/contract";
import { CONNECT, OFFLINE_APPLY, OFFLINE_REQUEST, PROGRAMS, QUIT_EXIT, SETUP } from "../commands.js";
import { commandOf, setupIsInteractive, setupSettings, UsageError, type SetupSettings } from "../config.js";
import { failure, runNonInteractive, usageFailure } from "../noninteractive.js";

const argv = process.argv.slice(2);
// the air-gapped exchange (cli/offline.ts)
const offline = commandOf(argv, PROGRAMS["alga-setup"]);
if (offline === OFFLINE_REQUEST || offline === OFFLINE_APPLY) {
  const commands = await import("./offline.js");
  process.exit(await (offline === OFFLINE_REQUEST ? commands.offlineRequestCommand : commands.offlineApplyCommand)(argv));
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
  process.exit(usageExit(SETUP.exits));
}
if (settings.help) {
  console.log(settings.command === "connect" ? commandHelp(CONNECT) : programHelp("alga-setup", PROGRAMS["alga-setup"], SETUP));
  process.exit(0);
}

if (!settings.interactive) {
  let outcome;
  try {
    outcome = await runNonInteractive(settings);
  } catch (err) {
    outcome = failure("FAILED", "Setup failed", err instanceof Error ? err.message : String(err), "Try again; if it persists, contact your vendor.");
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
process.exit(finished ? 0 : QUIT_EXIT);
