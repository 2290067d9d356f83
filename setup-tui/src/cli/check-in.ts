#!/usr/bin/env node
// alga-check-in: the daily license refresh (the chart's CronJob runs it).
import { parseArgs } from "node:util";
import { runCheckIn } from "../checkin/agent.js";

const { values } = parseArgs({
  options: { attempts: { type: "string" }, "retry-delay-ms": { type: "string" }, "warn-days": { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
});
if (values.help) {
  console.log(`usage: alga-check-in [--attempts N] [--retry-delay-ms MS] [--warn-days D] [--json]
  APPLIANCE_DATABASE_URL  the appliance's PostgreSQL (required); APPLIANCE_VERSION is reported
exit codes: 0 refreshed, or service down with enough validity left (or essentials);
            3 service down and the license lapses within --warn-days (default 7) or has lapsed;
            4 refused (tenant suspended, credential revoked); 2 not bootstrapped; 1 failed`);
  process.exit(0);
}
const databaseUrl = process.env.APPLIANCE_DATABASE_URL;
if (!databaseUrl) {
  console.error("APPLIANCE_DATABASE_URL is required");
  process.exit(2);
}
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
try {
  const report = await runCheckIn({
    databaseUrl,
    applianceVersion: process.env.APPLIANCE_VERSION,
    attempts: num(values.attempts ?? process.env.ALGA_CHECKIN_ATTEMPTS),
    retryDelayMs: num(values["retry-delay-ms"]),
    warnDays: num(values["warn-days"] ?? process.env.ALGA_CHECKIN_WARN_DAYS),
  });
  if (values.json) console.log(JSON.stringify(report));
  else (report.exitCode === 0 ? console.log : console.error)(`check-in: ${report.message}`);
  process.exit(report.exitCode);
} catch (err) {
  console.error(`check-in failed: ${(err as Error).message}`);
  process.exit(1);
}
