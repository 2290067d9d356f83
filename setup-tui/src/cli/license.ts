#!/usr/bin/env node
// alga-license status: the appliance's license, verified offline (the pinned vendor keys re-verified
// from the root, the signature against them, aud = this tenant, exp and offline grace judged at the
// service's time as far as it is known), with edition, features, expiry, last check-in, where the
// keys' trust comes from (anchored, or not) and the appliance's clock against the service's.
import { databaseProblem } from "../bootstrap/appliance-schema.js";
// Its commands, flags, variables and exit codes are declared in commands.ts; --help is generated.
import { commandHelp, programHelp } from "@alga-license/contract";
import { IMPORT, LICENSE_STATUS, PROGRAMS, RENEWAL_REQUEST } from "../commands.js";
import { commandOf, licenseStatusSettings, UsageError, type LicenseStatusSettings } from "../config.js";
import { licenseStatus, renderStatus, STATUS_EXIT } from "../license/status.js";

const argv = process.argv.slice(2);
// the air-gapped exchange (cli/offline.ts)
const command = commandOf(argv, PROGRAMS["alga-license"]);
if (command === RENEWAL_REQUEST || command === IMPORT) {
  const commands = await import("./offline.js");
  process.exit(await (command === IMPORT ? commands.importCommand : commands.renewalRequestCommand)(argv));
}
let s: LicenseStatusSettings;
try {
  s = licenseStatusSettings(argv);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`alga-license: ${err.problems.join("\nalga-license: ")}\n(--help lists every setting)`);
  process.exit(STATUS_EXIT.USAGE);
}
if (s.help) {
  console.log(command === LICENSE_STATUS ? commandHelp(LICENSE_STATUS) : programHelp("alga-license", PROGRAMS["alga-license"]));
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
