// The air-gapped exchange on the command line: alga-setup offline-request / offline-apply and
// alga-license renewal-request / import. Each prints what it did (with --json: one JSON document on
// stdout for every outcome) and exits with the status of its kind of failure (offline/failures.ts).
import { writeFileSync } from "node:fs";
import { licenseFileSettings, offlineApplySettings, offlineRequestSettings, UsageError } from "../config.js";
import { failure, readPassword, SETUP_EXIT, usageFailure, type Outcome } from "../noninteractive.js";
import { activationApplied, makeActivationRequest, verifyActivationResponse } from "../offline/activation.js";
import { describeOfflineFailure, OFFLINE_EXIT, OfflineFailure } from "../offline/failures.js";
import { qrLines, wrapText } from "../offline/qr.js";
import { importRenewalFile, renewalRequest } from "../offline/renewal.js";
import { applySteps } from "../seeds.js";
import { ensureApplianceSchema, withApplianceDb } from "../bootstrap/appliance-schema.js";

export const OFFLINE_REQUEST_USAGE = `usage: alga-setup offline-request --install-code CODE --out FILE [--json]
  Activation without a network path to the license service: writes an activation request signed by
  this appliance's key (appliance id, public key, a nonce, a digest of the code - never the code).
  Carry FILE to the vendor (or show them the QR code / the text); the vendor answers with a response
  file for alga-setup offline-apply. On a terminal the request is also shown as a QR code and as text.
  --install-code CODE   the install code from the email (env ALGA_INSTALL_CODE)
  --out FILE            where the request file is written
  --appliance-id ID     the appliance id (env APPLIANCE_ID; default derived from the machine)
  env ALGA_STATE_DIR    where the appliance key and the pending request are kept (default /var/lib/alga-appliance)
exit codes: 0 written, 1 failed, 2 usage or ALGA_STATE_DIR not writable, 3 malformed code`;

export const OFFLINE_APPLY_USAGE = `usage: alga-setup offline-apply --response FILE --admin-password-file FILE [--output DIR] [--json]
  Verifies the vendor's response to this appliance's pending request and writes the same seed Secrets
  as an online install; then run alga-create-tenant as usual.
  --response FILE             the response file from the vendor (alga-store activate-offline wrote it)
  --admin-password-file FILE  the appliance admin password (env ALGA_ADMIN_PASSWORD_FILE)
  --output DIR                folder for the seed Secret manifests (env ALGA_SEED_DIR, default ./appliance-seeds)
  --kubectl PATH, --namespace NS  write the Secrets with kubectl instead (env ALGA_KUBECTL, ALGA_NAMESPACE)
  --license-url URL           recorded for a later online check-in (env ALGA_LICENSE_URL; default from the response)
  env ALGA_VENDOR_KEYS        vendor keys shipped with the image: the response's keys must chain to them
  env ALGA_STATE_DIR          where the appliance key and the pending request are kept
exit codes: 0 applied, 1 failed, 2 usage or not a response file, 7 seeds not written,
            9 not verified (edited, or not signed by the vendor's keys),
            11 not for this appliance's pending request (another appliance or key, replayed, stale)`;

export const RENEWAL_REQUEST_USAGE = `usage: alga-license renewal-request --out FILE [--json]
  Writes a renewal request signed by this appliance's key, with the next seat/usage report (hash-chained
  to the previous one). The vendor answers it with alga-store renew-offline; import the answer with
  alga-license import --file.
  env APPLIANCE_DATABASE_URL   the appliance's PostgreSQL (required)
exit codes: 0 written, 1 failed, 2 usage, 10 not installed`;

export const IMPORT_USAGE = `usage: alga-license import --file FILE [--json]
  Verifies the vendor's renewal response (a key rotation inside it is accepted only when a key this
  appliance pins, or ALGA_VENDOR_KEYS, signed it) and stores its license; never an older one.
  env APPLIANCE_DATABASE_URL   the appliance's PostgreSQL (required)
  env ALGA_VENDOR_KEYS         vendor keys shipped with the image (the root)
exit codes: 0 stored, 1 failed, 2 usage or not a response file, 9 not verified,
            10 not installed, 11 not for this appliance's pending request (another appliance or key,
            replayed, stale, or an older license)`;

const failed = (err: unknown): Outcome => {
  const f = describeOfflineFailure(err);
  return failure(f.exitCode, f.code, f.explanation.title, f.explanation.detail, f.explanation.action);
};

/** The request file could not be written (a file system error, not a refusal). */
const writeProblem = (err: unknown): Outcome | null =>
  !(err instanceof OfflineFailure) && typeof (err as NodeJS.ErrnoException).syscall === "string"
    ? failure(OFFLINE_EXIT.USAGE, "USAGE", "Cannot write the request file", (err as Error).message, "Pass --out with a file in a writable folder.")
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

function settingsOr<T extends { help: boolean; json?: boolean }>(read: () => T, usage: string, command: string, argv: string[]): T | number {
  try {
    const s = read();
    if (s.help) {
      console.log(usage);
      return 0;
    }
    return s;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return print(command, usageFailure(err.problems, command), argv.includes("--json"), () => "");
  }
}

export async function offlineRequestCommand(argv: string[]): Promise<number> {
  const s = settingsOr(() => offlineRequestSettings(argv), OFFLINE_REQUEST_USAGE, "alga-setup offline-request", argv);
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
  return print("alga-setup offline-request", o, s.json, (r) => requestText(r, !!process.stdout.isTTY));
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
  const s = settingsOr(() => offlineApplySettings(argv), OFFLINE_APPLY_USAGE, "alga-setup offline-apply", argv);
  if (typeof s === "number") return s;
  const password = readPassword(s.adminPasswordFile!);
  if (typeof password !== "string") return print("alga-setup offline-apply", password, s.json, () => "");
  let o: Outcome;
  try {
    const v = await verifyActivationResponse({ ...s, adminPassword: password });
    const applied: string[] = [];
    for (const step of applySteps(v.seeds, s.target)) {
      try {
        applied.push(await step.run());
      } catch (err) {
        return print(
          "alga-setup offline-apply",
          failure(
            SETUP_EXIT.APPLY_FAILED,
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
  return print("alga-setup offline-apply", o, s.json, (r) =>
    [
      `${String(r.companyName)}: ${String(r.edition)} applied for appliance ${String(r.applianceId)}`,
      ...(r.applied as string[]),
      "Next: alga-create-tenant (the bootstrap reads these seeds as after an online install).",
    ].join("\n"),
  );
}

export async function renewalRequestCommand(argv: string[]): Promise<number> {
  const s = settingsOr(() => licenseFileSettings("renewal-request", argv), RENEWAL_REQUEST_USAGE, "alga-license renewal-request", argv);
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
  return print("alga-license renewal-request", o, s.json, (r) => {
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
  const s = settingsOr(() => licenseFileSettings("import", argv), IMPORT_USAGE, "alga-license import", argv);
  if (typeof s === "number") return s;
  let o: Outcome;
  try {
    await withApplianceDb(s.databaseUrl, ensureApplianceSchema);
    const r = await importRenewalFile(s.databaseUrl, s.file, { vendorKeys: s.vendorKeys, graceSeconds: s.graceSeconds, clock: s.clock });
    o = { exitCode: 0, result: { ok: true, command: "import", ...r } };
  } catch (err) {
    o = failed(err);
  }
  return print("alga-license import", o, s.json, (r) =>
    [
      `stored: ${String(r.edition)} until ${String(r.expiresAt)}`,
      `vendor keys: ${(r.vendorKeys as string[]).join(", ")}${r.keysUpdated ? " (updated from the file)" : ""}`,
    ].join("\n"),
  );
}
