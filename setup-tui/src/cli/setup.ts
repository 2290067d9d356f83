#!/usr/bin/env node
// alga-setup: the first-boot wizard on a TTY; non-interactive with --install-code (or ALGA_INSTALL_CODE).
import { parseArgs } from "node:util";
import { render } from "ink";
import { createElement } from "react";
import { resolveApplianceId } from "../appliance-id.js";
import { runNonInteractive, SETUP_EXIT } from "../noninteractive.js";
import { Wizard } from "../wizard/app.js";

const USAGE = `usage: alga-setup [options]
  (no --install-code, on a terminal: the interactive wizard)

  --install-code CODE         redeem without the wizard (env ALGA_INSTALL_CODE)
  --admin-password-file FILE  the appliance admin password, non-interactive (env ALGA_ADMIN_PASSWORD_FILE)
  --license-url URL           control plane base URL (env ALGA_LICENSE_URL)
  --output DIR                where the seed Secret manifests go (env ALGA_SEED_DIR, default ./appliance-seeds)
  --kubectl PATH              apply the Secrets with kubectl instead of writing files (env ALGA_KUBECTL)
  --namespace NS              namespace for the Secrets (env ALGA_NAMESPACE)
  --appliance-id ID           override the appliance id (env APPLIANCE_ID; default derived from the machine)

exit codes: 0 ok, 1 failed, 2 usage, 3 malformed code, 4 code refused (invalid/expired/used/revoked),
            5 tenant suspended, 6 license service unreachable, 7 seeds not applied after the code was used,
            8 rate limited`;

const { values } = parseArgs({
  options: {
    "install-code": { type: "string" },
    "admin-password-file": { type: "string" },
    "license-url": { type: "string" },
    output: { type: "string" },
    kubectl: { type: "string" },
    namespace: { type: "string" },
    "appliance-id": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const env = process.env;
const licenseUrl = values["license-url"] ?? env.ALGA_LICENSE_URL;
if (!licenseUrl) {
  console.error(`the license service URL is required (--license-url or ALGA_LICENSE_URL)\n\n${USAGE}`);
  process.exit(SETUP_EXIT.USAGE);
}
const applianceId = values["appliance-id"] ?? resolveApplianceId(env.ALGA_STATE_DIR ?? "/var/lib/alga-appliance", env);
const target = {
  outputDir: values.output ?? env.ALGA_SEED_DIR ?? "./appliance-seeds",
  kubectl: values.kubectl ?? env.ALGA_KUBECTL,
  namespace: values.namespace ?? env.ALGA_NAMESPACE,
};
const installCode = values["install-code"] ?? env.ALGA_INSTALL_CODE;

if (installCode !== undefined || !process.stdin.isTTY) {
  const passwordFile = values["admin-password-file"] ?? env.ALGA_ADMIN_PASSWORD_FILE;
  if (!installCode || !passwordFile) {
    console.error(`non-interactive mode needs --install-code and --admin-password-file\n\n${USAGE}`);
    process.exit(SETUP_EXIT.USAGE);
  }
  const outcome = await runNonInteractive({ installCode, adminPasswordFile: passwordFile, licenseUrl, applianceId, target });
  console.log(JSON.stringify(outcome.result, null, 2));
  process.exit(outcome.exitCode);
}

let finished = false;
const app = render(
  createElement(Wizard, {
    licenseUrl,
    applianceId,
    target,
    onFinish: () => {
      finished = true;
    },
  }),
);
await app.waitUntilExit();
// Ctrl+C before the end: quit cleanly with the conventional status
process.exit(finished ? 0 : 130);
