// The wizard's flows without a screen, for automation: the same checks, seeds and explanations, one
// JSON document on stdout for every outcome (usage errors included) and an exit code per kind of failure.
import { readFileSync } from "node:fs";
import { describeInstallCodeProblem, undecided, type CallPolicy } from "@alga-license/contract";
import { inspectBinding, passwordTakesEffect } from "./binding.js";
import type { SetupSettings } from "./config.js";
import {
  applyConnect,
  checkCode,
  codeProblem,
  describeFailure,
  loadInstalled,
  redeemVerified,
  redemptionApplied,
  type FlowContext,
  type Redemption,
} from "./flows.js";
import { exitStatusOf, SETUP_EXIT, type FailureCode } from "./failure-exits.js";
import { checkInstallCode } from "./install-code.js";
import { asServiceError, failureCode, INTERACTIVE_POLICY, type InstallCodeStatus } from "./license-api.js";
import { passwordProblems } from "./password-policy.js";
import { keptRedemptionKey } from "./redemption-key.js";
import { applySteps, buildSeeds } from "./seeds.js";

// alga-setup's exit codes, one per failure code (failure-exits.ts)
export { SETUP_EXIT };

export interface Outcome {
  exitCode: number;
  result: Record<string, unknown>;
}

export const NONINTERACTIVE_POLICY: CallPolicy = { ...INTERACTIVE_POLICY, attempts: 5 };

/** A failure as the JSON document says it; its exit code follows from its code (failure-exits.ts). */
export const failure = (code: FailureCode, title: string, detail: string, action: string, extra: Record<string, unknown> = {}): Outcome => ({
  exitCode: exitStatusOf(code),
  result: { ok: false, error: { code, title, detail, action, ...extra } },
});

export const usageFailure = (problems: string[], command = "alga-setup"): Outcome =>
  failure("USAGE", "Invalid command line or setting", problems.join("; "), `See ${command} --help.`, { problems });

function failed(err: unknown, attempts: number): Outcome {
  const { code, explanation: why } = describeFailure(err);
  const detail = code === "CONSUMED_INSTALL_CODE" && attempts > 1 ? `${why.detail} An earlier attempt whose answer was lost may have used it.` : why.detail;
  return failure(code, why.title, detail, why.action);
}

/** The code's state, or null when the service could not say (the redemption then checks it). */
async function statusOrNull(licenseUrl: string, code: string, c: FlowContext): Promise<InstallCodeStatus | null> {
  try {
    return await checkCode(licenseUrl, code, { ...c, policy: { ...c.policy, attempts: 2 } });
  } catch (err) {
    // the service did not decide (no answer, busy, down): the redemption checks the code again
    if (undecided(failureCode(asServiceError(err)))) return null;
    throw err;
  }
}

export async function runNonInteractive(s: SetupSettings): Promise<Outcome> {
  const check = checkInstallCode(s.installCode ?? "");
  if (!check.ok) {
    return failure(
      "MALFORMED_INSTALL_CODE",
      "That is not a valid install code",
      describeInstallCodeProblem(check.reason, s.installCode ?? ""),
      "Compare the code with the email; nothing was sent to the license service.",
    );
  }
  let attempts = 0;
  const c: FlowContext = { policy: NONINTERACTIVE_POLICY, hooks: { onAttempt: (n) => (attempts = n) } };
  try {
    return s.command === "connect" ? await connect(s, check.formatted, c) : await setup(s, check.formatted, c);
  } catch (err) {
    return failed(err, attempts);
  }
}

export function readPassword(file: string): string | Outcome {
  let password: string;
  try {
    password = readFileSync(file, "utf8").replace(/\r?\n$/, "");
  } catch (err) {
    return failure("USAGE", "Cannot read the admin password file", (err as Error).message, "Pass --admin-password-file with a readable file.");
  }
  const problems = passwordProblems(password);
  if (problems.length) return failure("WEAK_PASSWORD", "Password not accepted", `The password ${problems.join(", ")}.`, "Choose a stronger password.");
  return password;
}

const licensed = (r: Redemption) => ({
  tenantId: r.redeemed.tenantId,
  companyName: r.redeemed.companyName,
  edition: r.redeemed.edition,
  licensed: r.redeemed.edition !== "ESSENTIALS",
  licenseExpiresAt: r.license?.expiresAt.toISOString() ?? null,
  features: r.license?.claims.features ?? [],
  reinstalled: r.redeemed.reinstalled,
  /** an earlier attempt's answer was lost: the service replayed that redemption with a fresh credential */
  replayed: r.redeemed.replayed,
  vendorKeys: r.keys.keys.map((k) => k.kid),
});

async function setup(s: SetupSettings, code: string, c: FlowContext): Promise<Outcome> {
  const licenseUrl = s.licenseUrl!;
  const binding = await inspectBinding({ databaseUrl: s.databaseUrl, target: s.target });
  // the admin password matters only while the bootstrap can still create the admin: only a
  // bootstrapped appliance (of this code's tenant, known below) may go without it
  let password: string | undefined;
  if (s.adminPasswordFile) {
    const read = readPassword(s.adminPasswordFile);
    if (typeof read !== "string") return read;
    password = read;
  } else if (binding.kind !== "bootstrapped") {
    return usageFailure(["--admin-password-file / ALGA_ADMIN_PASSWORD_FILE: the non-interactive mode needs a file with the admin password"]);
  }
  const status = await statusOrNull(licenseUrl, code, c);
  if (status) {
    const problem = codeProblem(status, { binding, earlierAttempt: keptRedemptionKey(s.stateDir, code, s.applianceId) });
    if (problem) throw problem;
  }
  const effect = status ? passwordTakesEffect(binding, status.tenantId) : binding.kind === "bootstrapped" ? "no" : "unsure";
  if (effect === "no") password = undefined;
  else if (password === undefined) {
    return usageFailure([
      `--admin-password-file / ALGA_ADMIN_PASSWORD_FILE: this code's tenant has no administrator on this appliance yet, so the password is needed`,
    ]);
  }

  const plan = {
    licenseUrl,
    installCode: code,
    applianceId: s.applianceId,
    databaseUrl: s.databaseUrl,
    anchors: s.vendorKeys,
    graceSeconds: s.graceSeconds,
    stateDir: s.stateDir,
    clock: s.clock,
  };
  const r = await redeemVerified(plan, c);
  const seeds = buildSeeds({
    redeemed: r.redeemed,
    adminPassword: password,
    applianceId: s.applianceId,
    licenseUrl,
    vendorKeys: r.keys,
    redeemedAt: r.redeemedAt,
    applianceKey: r.applianceKey.privateJwk,
  });
  const applied: string[] = [];
  for (const step of applySteps(seeds, s.target)) {
    try {
      applied.push(await step.run());
    } catch (err) {
      return failure(
        "APPLY_FAILED",
        "Applying the seeds failed after the install code was used",
        (err as Error).message,
        "A re-issued install code is needed: ask your vendor to re-issue an install code (customer portal: Appliances > Re-issue install code).",
      );
    }
  }
  redemptionApplied(plan);
  const adminPassword =
    password === undefined
      ? "unchanged: this appliance was bootstrapped before, its administrator keeps the existing password"
      : effect === "yes"
        ? "set: the bootstrap creates the administrator with it"
        : "set in the seed: it takes effect only if the appliance database has no administrator yet";
  return { exitCode: SETUP_EXIT.OK, result: { ok: true, command: "setup", ...licensed(r), applianceId: s.applianceId, adminPassword, applied } };
}

async function connect(s: SetupSettings, code: string, c: FlowContext): Promise<Outcome> {
  const installed = await loadInstalled(s.databaseUrl!, { licenseUrl: s.licenseUrl, applianceId: s.applianceId || undefined, vendorKeys: s.vendorKeys });
  const status = await statusOrNull(installed.licenseUrl, code, c);
  if (status) {
    const earlierAttempt = keptRedemptionKey(s.stateDir, code, installed.applianceId);
    const problem = codeProblem(status, { connectTenantId: installed.row.tenant_id, connectCompany: installed.row.company_name, earlierAttempt });
    if (problem) throw problem;
  }
  const plan = {
    licenseUrl: installed.licenseUrl,
    installCode: code,
    applianceId: installed.applianceId,
    tenantId: installed.row.tenant_id,
    trust: installed.trust,
    applianceKey: installed.applianceKey,
    anchors: s.vendorKeys,
    graceSeconds: s.graceSeconds,
    stateDir: s.stateDir,
    clock: s.clock,
  };
  const r = await redeemVerified(plan, c);
  const applied = await applyConnect(s.databaseUrl!, installed, r, s.target, { vendorKeys: s.vendorKeys, clock: s.clock });
  redemptionApplied(plan);
  return {
    exitCode: SETUP_EXIT.OK,
    result: {
      ok: true,
      command: "connect",
      ...licensed(r),
      previousEdition: installed.row.edition,
      applianceId: installed.applianceId,
      adminPassword: "untouched",
      applied,
    },
  };
}
