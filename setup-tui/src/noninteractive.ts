// The wizard's flow without a screen, for automation: same checks, same seeds, a JSON result on
// stdout and an exit code per kind of failure.
import { readFileSync } from "node:fs";
import { backoffSeconds, explain, isTransient } from "./explain.js";
import { checkInstallCode } from "./install-code.js";
import { LicenseServiceError, redeemInstallCode, type LicenseErrorCode, type RedeemResult } from "./license-api.js";
import { passwordProblems } from "./password-policy.js";
import { applySteps, buildSeeds, type ApplyTarget } from "./seeds.js";

export const SETUP_EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  /** the code failed the local format/check-character test: nothing was sent */
  MALFORMED_CODE: 3,
  /** the service refused the code: invalid, expired, used or revoked */
  CODE_REFUSED: 4,
  TENANT_SUSPENDED: 5,
  UNREACHABLE: 6,
  /** the code was consumed but the seeds could not be written: a re-issued code is needed */
  APPLY_FAILED: 7,
  RATE_LIMITED: 8,
} as const;

export interface NonInteractiveOptions {
  installCode: string;
  adminPasswordFile: string;
  licenseUrl: string;
  applianceId: string;
  target: ApplyTarget;
  /** automatic attempts while the service is unreachable (default 5) */
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface Outcome {
  exitCode: number;
  result: Record<string, unknown>;
}

function exitFor(code: LicenseErrorCode): number {
  if (code.endsWith("_INSTALL_CODE")) return SETUP_EXIT.CODE_REFUSED;
  if (code === "TENANT_SUSPENDED") return SETUP_EXIT.TENANT_SUSPENDED;
  if (code === "RATE_LIMITED") return SETUP_EXIT.RATE_LIMITED;
  if (code === "UNREACHABLE") return SETUP_EXIT.UNREACHABLE;
  return SETUP_EXIT.FAILED;
}

const failure = (exitCode: number, code: string, title: string, detail: string, action: string): Outcome => ({
  exitCode,
  result: { ok: false, error: { code, title, detail, action } },
});

export async function runNonInteractive(o: NonInteractiveOptions): Promise<Outcome> {
  const check = checkInstallCode(o.installCode);
  if (!check.ok) {
    return failure(SETUP_EXIT.MALFORMED_CODE, "MALFORMED_INSTALL_CODE", "That is not a valid install code", `local check failed: ${check.reason}`, "Check the code against the email.");
  }
  let password: string;
  try {
    password = readFileSync(o.adminPasswordFile, "utf8").replace(/\r?\n$/, "");
  } catch (err) {
    return failure(SETUP_EXIT.USAGE, "USAGE", "Cannot read the admin password file", (err as Error).message, "Pass --admin-password-file with a readable file.");
  }
  const problems = passwordProblems(password);
  if (problems.length) return failure(SETUP_EXIT.USAGE, "WEAK_PASSWORD", "Password not accepted", `The password ${problems.join(", ")}.`, "Choose a stronger password.");

  const sleep = o.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const attempts = o.attempts ?? 5;
  let redeemed: RedeemResult | undefined;
  for (let n = 1; !redeemed; n++) {
    try {
      redeemed = await redeemInstallCode(o.licenseUrl, check.formatted, o.applianceId);
    } catch (err) {
      const e = err instanceof LicenseServiceError ? err : new LicenseServiceError("INTERNAL_SERVER_ERROR", String(err));
      if (isTransient(e.code) && n < attempts) {
        await sleep(backoffSeconds(n) * 1000);
        continue;
      }
      const why = explain(e.code, e.message);
      const detail = e.code === "CONSUMED_INSTALL_CODE" && n > 1 ? `${why.detail} An earlier attempt whose answer was lost may have used it.` : why.detail;
      return failure(exitFor(e.code), e.code, why.title, detail, why.action);
    }
  }

  const seeds = buildSeeds({ redeemed, adminPassword: password, applianceId: o.applianceId, licenseUrl: o.licenseUrl });
  const written: string[] = [];
  for (const step of applySteps(seeds, o.target)) {
    try {
      written.push(await step.run());
    } catch (err) {
      return failure(
        SETUP_EXIT.APPLY_FAILED,
        "APPLY_FAILED",
        "Applying the seeds failed after the install code was used",
        (err as Error).message,
        "A re-issued install code is needed: ask your vendor to re-issue an install code (customer portal: Appliances > Re-issue install code).",
      );
    }
  }
  return {
    exitCode: SETUP_EXIT.OK,
    result: {
      ok: true,
      tenantId: redeemed.tenantId,
      companyName: redeemed.companyName,
      edition: redeemed.edition,
      licensed: redeemed.edition !== "ESSENTIALS",
      licenseExpiresAt: redeemed.licenseExpiresAt,
      applianceId: o.applianceId,
      applied: written,
    },
  };
}
