#!/usr/bin/env node
// alga-check-in: the daily license refresh (the chart's CronJob runs it). Its flags, variables and exit
// codes are declared in commands.ts; --help is generated.
import { databaseProblem } from "../bootstrap/appliance-schema.js";
import { CHECKIN_EXIT, runCheckIn } from "../checkin/agent.js";
import { commandHelp } from "@alga-license/contract";
import { CHECK_IN } from "../commands.js";
import { checkInSettings, UsageError, type CheckInSettings } from "../config.js";

let s: CheckInSettings;
try {
  s = checkInSettings(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`check-in: ${err.problems.join("\ncheck-in: ")}\n(--help lists every setting)`);
  process.exit(CHECKIN_EXIT.USAGE);
}
if (s.help) {
  console.log(commandHelp(CHECK_IN));
  process.exit(0);
}
try {
  const report = await runCheckIn({
    databaseUrl: s.databaseUrl,
    applianceVersion: s.applianceVersion,
    attempts: s.attempts,
    retryDelayMs: s.retryDelayMs,
    maxWaitSeconds: s.maxWaitSeconds,
    warnDays: s.warnDays,
    spreadSeconds: s.spreadSeconds,
    graceSeconds: s.graceSeconds,
    vendorKeys: s.vendorKeys,
    now: s.clock,
    log: (line) => console.error(`check-in: ${line}`),
  });
  if (s.json) console.log(JSON.stringify(report));
  else (report.exitCode === 0 ? console.log : console.error)(`check-in: ${report.message}`);
  process.exit(report.exitCode);
} catch (err) {
  const message = `the appliance database could not be used (${databaseProblem(err)})`;
  if (s.json) console.log(JSON.stringify({ exitCode: CHECKIN_EXIT.FAILED, status: "failed", message }));
  console.error(`check-in: ${message}`);
  process.exit(CHECKIN_EXIT.FAILED);
}
