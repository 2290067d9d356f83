#!/usr/bin/env node
// alga-check-in: the daily license refresh (the chart's CronJob runs it).
import { databaseProblem } from "../bootstrap/appliance-schema.js";
import { CHECKIN_EXIT, runCheckIn } from "../checkin/agent.js";
import { checkInSettings, UsageError, type CheckInSettings } from "../config.js";

const USAGE = `usage: alga-check-in [--no-spread] [--json] [options]
  env APPLIANCE_DATABASE_URL   the appliance's PostgreSQL (required); env APPLIANCE_VERSION is reported
  --spread-seconds N           first wait a delay derived from this appliance within N seconds, so a fleet
                               does not call at once (env ALGA_CHECKIN_SPREAD_SECONDS, default 3600)
  --no-spread                  check in now (a manual run)
  --attempts N                 attempts while the service is unreachable or busy (env ALGA_CHECKIN_ATTEMPTS, default 4)
  --retry-delay-ms MS          first backoff, doubled per attempt (env ALGA_CHECKIN_RETRY_DELAY_MS, default 1000)
  --max-wait-seconds N         longest wait honoured from Retry-After (env ALGA_CHECKIN_MAX_WAIT_SECONDS, default 300)
  --warn-days D                validity below which an unreachable service is an error (env ALGA_CHECKIN_WARN_DAYS, default 7)
  env ALGA_LICENSE_GRACE_HOURS offline grace of an expired license (default 72)
  env ALGA_VENDOR_KEYS         vendor keys shipped with the image: the root the pinned keys must chain to
exit codes: 0 refreshed, essentials, or service down/busy with enough validity left;
            1 failed; 2 usage or not bootstrapped;
            3 service down/busy and the license lapses within --warn-days, or has lapsed;
            4 refused (tenant suspended, credential revoked or replaced);
            5 subscription lapsed (ENTITLEMENT_LAPSED): no new license, the appliance runs as ESSENTIALS
              once its current one expires; 6 the refreshed license did not verify (not stored)`;

let s: CheckInSettings;
try {
  s = checkInSettings(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`check-in: ${err.problems.join("\ncheck-in: ")}\n(--help lists every setting)`);
  process.exit(CHECKIN_EXIT.USAGE);
}
if (s.help) {
  console.log(USAGE);
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
