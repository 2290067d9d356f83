#!/usr/bin/env node
// alga-license status: the appliance's license, verified offline (the pinned vendor keys re-verified
// from the root, the signature against them, aud = this tenant, exp and offline grace judged at the
// service's time as far as it is known), with edition, features, expiry, last check-in, where the
// keys' trust comes from (anchored, or not) and the appliance's clock against the service's.
import { databaseProblem } from "../bootstrap/appliance-schema.js";
import { licenseStatusSettings, UsageError, type LicenseStatusSettings } from "../config.js";
import { licenseStatus, renderStatus, STATUS_EXIT } from "../license/status.js";

const USAGE = `usage: alga-license status [--json]
       alga-license renewal-request --out FILE   no network path: a renewal request file (--help)
       alga-license import --file FILE           store the vendor's renewal response (--help)
  env APPLIANCE_DATABASE_URL   the appliance's PostgreSQL (required)
  env ALGA_LICENSE_GRACE_HOURS offline grace of an expired license (default 72)
  env ALGA_VENDOR_KEYS         vendor keys shipped with the image: the root the pinned keys must chain to
                               (unset: the appliance is unanchored, which status says)
exit codes: 0 licensed and verified (or essentials, which needs no license); 1 failed;
            2 usage or not bootstrapped; 3 expired, honoured only within the offline grace;
            4 the stored license is refused (forged, another tenant's, expired past grace): runs as ESSENTIALS`;

// the air-gapped exchange (cli/offline.ts)
const [command] = process.argv.slice(2);
if (command === "renewal-request" || command === "import") {
  const offline = await import("./offline.js");
  process.exit(await (command === "import" ? offline.importCommand : offline.renewalRequestCommand)(process.argv.slice(3)));
}
let s: LicenseStatusSettings;
try {
  s = licenseStatusSettings(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`alga-license: ${err.problems.join("\nalga-license: ")}\n(--help lists every setting)`);
  process.exit(STATUS_EXIT.USAGE);
}
if (s.help) {
  console.log(USAGE);
  process.exit(0);
}
try {
  const status = await licenseStatus(s.databaseUrl, { graceSeconds: s.graceSeconds, vendorKeys: s.vendorKeys, now: s.clock() });
  console.log(s.json ? JSON.stringify(status, null, 2) : renderStatus(status));
  process.exit(status.exitCode);
} catch (err) {
  const message = `the appliance database could not be read (${databaseProblem(err)})`;
  if (s.json) console.log(JSON.stringify({ exitCode: STATUS_EXIT.FAILED, error: message }));
  console.error(`alga-license: ${message}`);
  process.exit(STATUS_EXIT.FAILED);
}
