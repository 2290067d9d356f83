// The air-gapped exchange on the command line: alga-setup offline-request / offline-apply and
// alga-license renewal-request / import, declared in commands.ts (flags, variables, exit codes, the
// --help text). Each prints what it did (with --json: one JSON document on stdout for every outcome)
// and exits with the status of its failure's code (failure-exits.ts).
import { writeFileSync } from "node:fs";
import { commandHelp, type CommandSpec } from "@alga-license/contract";
import { IMPORT, OFFLINE_APPLY, OFFLINE_REQUEST, RENEWAL_REQUEST } from "../commands.js";
import { licenseFileSettings, offlineApplySettings, offlineRequestSettings, UsageError } from "../config.js";
import { failure, readPassword, usageFailure, type Outcome } from "../noninteractive.js";
import { activationApplied, makeActivationRequest, verifyActivationResponse } from "../offline/activation.js";
import { describeOfflineFailure, OfflineFailure } from "../offline/failures.js";
import { qrLines, wrapText } from "../offline/qr.js";
import { importRenewalFile, renewalRequest } from "../offline/renewal.js";
import { applySteps } from "../seeds.js";
import { ensureApplianceSchema, withApplianceDb } from "../bootstrap/appliance-schema.js";

const failed = (err: unknown): Outcome => {
  const f = describeOfflineFailure(err);
  return failure(f.code, f.explanation.title, f.explanation.detail, f.explanation.action);
};

/** The request file could not be written (a file system error, not a refusal). */
const writeProblem = (err: unknown): Outcome | null =>
  !(err instanceof OfflineFailure) && typeof (err as NodeJS.ErrnoException).syscall === "string"
    ? failure("USAGE", "Cannot write the request file", (err as Error).message, "Pass --out with a file in a writable folder.")
    : null;

/** Prints an outcome: JSON on stdout, or text (failures on stderr), and returns its exit code. */
function print(command: string, o: Outcome, json: boolean, text: (r: Record<string, unknown>) => string): number {
  if (json) console.log(JSON.stringify(o.result, null, 2));
  else if (o.result.ok) console.log(text(o.result));
  else {
    const e = o.result.error as { title: string; detail: string; action: string };
    console.error(`${command}: ${e.title}\n  ${e.detail}\n  ${e.action}`);
  }
  return o.exitCode;
}

/** The settings, or the exit code of --help (its generated text printed) or of a usage error (said). */
function settingsOr<T extends { help: boolean; json?: boolean }>(read: () => T, spec: CommandSpec, argv: string[]): T | number {
  try {
    const s = read();
    if (s.help) {
      console.log(commandHelp(spec));
      return 0;
    }
    return s;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return print(spec.name, usageFailure(err.problems, spec.name), argv.includes("--json"), () => "");
  }
}

export async function offlineRequestCommand(argv: string[]): Promise<number> {
  const s = settingsOr(() => offlineRequestSettings(argv), OFFLINE_REQUEST, argv);
  if (typeof s === "number") return s;
  let o: Outcome;
  try {
    const req = await makeActivationRequest(s);
    writeFileSync(s.out, req.file, { mode: 0o644 });
    o = {
      exitCode: 0,
      result: {
        ok: true,
        command: "offline-request",
        file: s.out,
        applianceId: req.applianceId,
        installCode: req.installCode,
        nonce: req.nonce,
        applianceKeyThumbprint: req.jkt,
        request: req.jws,
      },
    };
  } catch (err) {
    o = writeProblem(err) ?? failed(err);
  }
  return print(OFFLINE_REQUEST.name, o, s.json, (r) => requestText(r, !!process.stdout.isTTY));
}

/** The QR code when the terminal is wide enough for it, else a line saying how wide it must be. */
function qrOnTerminal(jws: string): string[] {
  const qr = qrLines(jws);
  const columns = process.stdout.columns ?? 80;
  return columns >= qr.width ? qr.lines : [`(a terminal of at least ${qr.width} columns shows the request as a QR code; this one has ${columns})`];
}

/** The request as the operator sees it: on a terminal the QR code first, then the text and what to do. */
function requestText(r: Record<string, unknown>, tty: boolean): string {
  const jws = r.request as string;
  const lines: string[] = [];
  if (tty) lines.push(...qrOnTerminal(jws), "");
  lines.push(
    `Activation request for appliance ${String(r.applianceId)} written to ${String(r.file)}`,
    `appliance key ${String(r.applianceKeyThumbprint)}`,
    "",
    "Carry the file to your vendor (or scan the QR code, or copy this text):",
    ...wrapText(jws),
    "",
    "The vendor answers with a response file. Then run:",
    "  alga-setup offline-apply --response response.json --admin-password-file FILE",
  );
  return lines.join("\n");
}

export async function offlineApplyCommand(argv: string[]): Promise<number> {
  const s = settingsOr(() => offlineApplySettings(argv), OFFLINE_APPLY, argv);
  if (typeof s === "number") return s;
  const password = readPassword(s.adminPasswordFile!);
  if (typeof password !== "string") return print(OFFLINE_APPLY.name, password, s.json, () => "");
  let o: Outcome;
  try {
    const v = await verifyActivationResponse({ ...s, adminPassword: password });
    const applied: string[] = [];
    for (const step of applySteps(v.seeds, s.target)) {
      try {
        applied.push(await step.run());
      } catch (err) {
        return print(
          OFFLINE_APPLY.name,
          failure(
            "APPLY_FAILED",
            "The seeds could not be written",
            (err as Error).message,
            "Fix the output folder (or kubectl) and run offline-apply again with the same response: it stays valid until applied.",
          ),
          s.json,
          () => "",
        );
      }
    }
    activationApplied(s.stateDir);
    o = {
      exitCode: 0,
      result: {
        ok: true,
        command: "offline-apply",
        tenantId: v.payload.tenantId,
        companyName: v.payload.companyName,
        edition: v.payload.edition,
        licensed: v.payload.edition !== "ESSENTIALS",
        licenseExpiresAt: v.license?.expiresAt.toISOString() ?? null,
        features: v.license?.claims.features ?? [],
        applianceId: s.applianceId,
        applianceKeyThumbprint: v.applianceKey.thumbprint,
        vendorKeys: v.chain.links[v.chain.links.length - 1]!.keys.map((k) => k.kid),
        applied,
      },
    };
  } catch (err) {
    o = failed(err);
  }
  return print(OFFLINE_APPLY.name, o, s.json, (r) =>
    [
      `${String(r.companyName)}: ${String(r.edition)} applied for appliance ${String(r.applianceId)}`,
      ...(r.applied as string[]),
      "Next: alga-create-tenant (the bootstrap reads these seeds as after an online install).",
    ].join("\n"),
  );
}

export async function renewalRequestCommand(argv: string[]): Promise<number> {
  const s = settingsOr(() => licenseFileSettings("renewal-request", argv), RENEWAL_REQUEST, argv);
  if (typeof s === "number") return s;
  let o: Outcome;
  try {
    await withApplianceDb(s.databaseUrl, ensureApplianceSchema);
    const req = await renewalRequest(s.databaseUrl, { vendorKeys: s.vendorKeys, graceSeconds: s.graceSeconds, clock: s.clock });
    writeFileSync(s.file, req.file, { mode: 0o644 });
    o = {
      exitCode: 0,
      result: {
        ok: true,
        command: "renewal-request",
        file: s.file,
        tenantId: req.tenantId,
        applianceId: req.applianceId,
        nonce: req.nonce,
        report: req.report,
        request: req.jws,
      },
    };
  } catch (err) {
    o = writeProblem(err) ?? failed(err);
  }
  return print(RENEWAL_REQUEST.name, o, s.json, (r) => {
    const rep = r.report as { seq: number; from: string; until: string; edition: string };
    return [
      ...(process.stdout.isTTY ? [...qrOnTerminal(r.request as string), ""] : []),
      `Renewal request for appliance ${String(r.applianceId)} written to ${String(r.file)}`,
      `usage report #${rep.seq}: ${rep.edition} from ${rep.from} until ${rep.until}`,
      "Carry it to your vendor; import the answer with: alga-license import --file renewal-response.json",
    ].join("\n");
  });
}

export async function importCommand(argv: string[]): Promise<number> {
  const s = settingsOr(() => licenseFileSettings("import", argv), IMPORT, argv);
  if (typeof s === "number") return s;
  let o: Outcome;
  try {
    await withApplianceDb(s.databaseUrl, ensureApplianceSchema);
    const r = await importRenewalFile(s.databaseUrl, s.file, { vendorKeys: s.vendorKeys, graceSeconds: s.graceSeconds, clock: s.clock });
    o = { exitCode: 0, result: { ok: true, command: "import", ...r } };
  } catch (err) {
    o = failed(err);
  }
  return print(IMPORT.name, o, s.json, (r) =>
    [
      `stored: ${String(r.edition)} until ${String(r.expiresAt)}`,
      `vendor keys: ${(r.vendorKeys as string[]).join(", ")}${r.keysUpdated ? " (updated from the file)" : ""}`,
    ].join("\n"),
  );
}
