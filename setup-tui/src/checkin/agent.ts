// The daily check-in: refresh the vendor key pins and the license with the appliance credential, and
// store the new token once it verifies. In a fleet it waits its own deterministic slot first and
// honours the service's Retry-After (bounded). When the service is down or busy it keeps the current
// token and reports how long it stays valid; it exits non-zero only when someone has to act.
//
// One run is a sequence of steps, each with a typed outcome (runCheckIn composes them):
//   loadState      not bootstrapped | essentials without a service | ready
//   waitSlot       the deterministic spread delay
//   refreshKeys    the key hand-over document: pins updated / unchanged / not updated (a document
//                  dated ahead is kept pending for the license's evidence) | the service is down
//   requestLicense a token | a failure, handled as the contract's failure table says (keep, lapsed, refused)
//   verifyAnswer   the token verified under the (possibly just extended) pins | not verified
//   storeLicense   stored | superseded (a newer license, or another credential, is stored)
import { AlgaLicenseError, applianceFailure, defaultSleep, withRetries, type CallPolicy, type RetryWait } from "@alga-license/contract";
import type { JWK } from "jose";
import type pg from "pg";
import {
  ensureApplianceSchema,
  readLicenseState,
  recordCheckIn,
  storeCheckedInLicense,
  storeKeyChain,
  withApplianceDb,
  withLicenseLock,
  type LicenseStateRow,
} from "../bootstrap/appliance-schema.js";
import { asServiceError, baseUrlOfCheckInUrl, checkIn, failureCode } from "../license-api.js";
import { chainDocuments, chainTip, extendKeyChain, sameDocument, type KeyChain } from "../license/chain.js";
import { skewWarning } from "../license/clock.js";
import { fetchKeyDocument } from "../license/pins.js";
import { applianceTrust, isNewerLicense, referenceTime, storedLicense, verifiedClaims, type ApplianceTrust } from "../license/trust.js";
import { DEFAULT_OFFLINE_GRACE_SECONDS, KeyTrustError, verifyLicense, type LicenseCheck, type LicenseClaims, type VendorKeys } from "../license/verify.js";
import { spreadDelaySeconds } from "./spread.js";
import { CHECKIN_EXIT } from "../failure-exits.js";

// the agent's exit codes, declared with the other appliance tools' (failure-exits.ts)
export { CHECKIN_EXIT };

export interface AgentOptions {
  databaseUrl: string;
  applianceVersion?: string;
  /** attempts per request while the service is unreachable or busy (default 4) */
  attempts?: number;
  /** first backoff between attempts (default 1000 ms), doubled per attempt */
  retryDelayMs?: number;
  /** longest single wait honoured from a Retry-After (default 300 s) */
  maxWaitSeconds?: number;
  /** below this many days of validity left, an unreachable service needs attention (default 7) */
  warnDays?: number;
  /** wait a delay derived from the appliance within this window first (0: at once) */
  spreadSeconds?: number;
  graceSeconds?: number;
  /** vendor keys shipped with the image: trusted for the first key document when none is pinned */
  vendorKeys?: JWK[];
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** progress lines (the CLI prints them on stderr) */
  log?: (line: string) => void;
}

export interface AgentReport {
  exitCode: number;
  status: "refreshed" | "essentials" | "kept-current-token" | "lapsed" | "refused" | "not-verified" | "superseded" | "not-bootstrapped";
  message: string;
  edition?: string;
  expiresAt?: string | null;
  /** the deterministic delay waited before the first request */
  spreadDelaySeconds: number;
  /** requests made for the check-in itself */
  attempts: number;
  /** the waits between them (ms), Retry-After honoured */
  waitsMs: number[];
  /** what happened to the pinned vendor keys */
  keys: "updated" | "unchanged" | "not-updated" | "none";
  keysNote?: string;
  /** the service's time minus this appliance's clock, measured from the refreshed license */
  clockSkewSeconds?: number;
}

const DAY = 86_400_000;

/** The agent's retry policy (defaults: 4 attempts from 1 s, doubled up to 60 s; a Retry-After up to 300 s, spread a quarter later). */
export const checkInPolicy = (o: Pick<AgentOptions, "attempts" | "retryDelayMs" | "maxWaitSeconds">): CallPolicy => ({
  attempts: o.attempts ?? 4,
  baseMs: o.retryDelayMs ?? 1000,
  maxMs: 60_000,
  jitter: 0.2,
  maxRetryAfterMs: (o.maxWaitSeconds ?? 300) * 1000,
  retryAfterSpread: 0.25,
});

function validity(row: LicenseStateRow, check: LicenseCheck | null, clock: Date): { left: number; text: string } {
  const until = check?.ok ? check.expiresAt : row.license_expires_at;
  if (check && !check.ok && check.reason !== "NO_KEYS") return { left: -1, text: `the current license is not valid (${check.message})` };
  if (!until) return { left: -1, text: "there is no current license" };
  // judged at the service's time as far as it is known (a clock set back gains nothing)
  const left = until.getTime() - (check?.judgedAt ?? clock).getTime();
  if (left <= 0) {
    return check?.ok && check.state === "in-grace"
      ? { left, text: `the current license has EXPIRED; it is honoured offline until ${check.graceEndsAt.toISOString()}` }
      : { left, text: "the current license has EXPIRED" };
  }
  return {
    left,
    text: `the current license stays valid for ${Math.floor(left / DAY)}d ${Math.floor((left % DAY) / 3_600_000)}h (until ${until.toISOString()})`,
  };
}

const keyIds = (k: VendorKeys) => `${k.issuer} ${k.keys.map((x) => x.kid).join(",")}`;

/** What one run works with: the options, the clock, the retry policy and hooks, what it has waited. */
interface Run {
  o: AgentOptions;
  db: pg.ClientBase;
  now: () => Date;
  log: (line: string) => void;
  graceSeconds: number;
  root: JWK[] | null;
  policy: CallPolicy;
  hooks: { wait: (ms: number) => Promise<void>; onWait: (w: RetryWait) => void };
  sleep: (ms: number) => Promise<void>;
  waitsMs: number[];
}

/** What every report of the run carries (the keys step fills in its part). */
type ReportBase = Omit<AgentReport, "exitCode" | "status" | "message">;

type LoadedState =
  { kind: "not-bootstrapped" } | { kind: "essentials-offline" } | { kind: "ready"; row: LicenseStateRow; paid: boolean; licenseUrl: string | null };

interface KeysStep {
  trust: ApplianceTrust;
  keys: AgentReport["keys"];
  keysNote?: string;
  /** a document refused only for its date: judged again with the time of the license the service signs next */
  pending: unknown;
  /** the service is down or busy: the check-in would meet the same, after as many retries */
  down?: AlgaLicenseError;
}

type LicenseAnswer = { kind: "token"; token: string; attempts: number; receivedAt: Date } | { kind: "failed"; error: AlgaLicenseError; attempts: number };

type StoreOutcome = { stored: true } | { stored: false; newer?: LicenseClaims };

export async function runCheckIn(o: AgentOptions): Promise<AgentReport> {
  const sleep = o.sleep ?? ((ms: number) => defaultSleep(ms));
  const log = o.log ?? (() => {});
  const waitsMs: number[] = [];
  const hooks = {
    wait: (ms: number) => sleep(ms),
    onWait: (w: RetryWait) => {
      waitsMs.push(w.waitMs);
      log(
        `attempt ${w.attempt} failed (${failureCode(w.error)}: ${w.error.message}); retrying in ${Math.round(w.waitMs / 100) / 10}s${w.askedByService ? " as the service asked" : ""}`,
      );
    },
  };
  return withApplianceDb(o.databaseUrl, async (db) => {
    const run: Run = {
      o,
      db,
      now: o.now ?? (() => new Date()),
      log,
      graceSeconds: o.graceSeconds ?? DEFAULT_OFFLINE_GRACE_SECONDS,
      root: o.vendorKeys?.length ? o.vendorKeys : null,
      policy: checkInPolicy(o),
      hooks,
      sleep,
      waitsMs,
    };
    const base: ReportBase = { spreadDelaySeconds: 0, attempts: 0, waitsMs, keys: "none" };
    const state = await loadState(db);
    if (state.kind === "not-bootstrapped")
      return { ...base, exitCode: CHECKIN_EXIT.USAGE, status: "not-bootstrapped", message: "no license_state: run create-tenant first" };
    if (state.kind === "essentials-offline")
      return { ...base, exitCode: CHECKIN_EXIT.OK, status: "essentials", message: "essentials edition: no license to refresh", edition: "ESSENTIALS" };
    const { row, paid, licenseUrl } = state;

    const spread = await waitSlot(run, row);
    const keys = await refreshKeys(run, row, paid, licenseUrl);
    const report = (): ReportBase => ({ ...base, spreadDelaySeconds: spread, keys: keys.keys, keysNote: keys.keysNote });
    if (keys.down) return keep(run, row, keys.trust, keys.down, { ...report(), attempts: 0 });
    if (!paid) {
      return {
        ...report(),
        exitCode: CHECKIN_EXIT.OK,
        status: "essentials",
        edition: "ESSENTIALS",
        message: `essentials edition: no license to refresh${keys.keysNote ? `; ${keys.keysNote}` : ""}`,
      };
    }

    const answer = await requestLicense(run, row);
    if (answer.kind === "failed") return failedCheckIn(run, row, keys.trust, answer, report());
    const check = await verifyAnswer(run, row, keys, answer);
    const attempts = answer.attempts;
    if (!check.ok) {
      const why = keys.trust.problem && !keys.trust.pins ? `the pinned vendor keys were refused (${keys.trust.problem.message})` : check.message;
      const message = `the refreshed license was not stored: ${why}`;
      await recordCheckIn(db, row, "not-verified", `NOT_VERIFIED: ${message}`);
      return {
        ...report(),
        attempts,
        exitCode: CHECKIN_EXIT.NOT_VERIFIED,
        status: "not-verified",
        message,
        expiresAt: row.license_expires_at?.toISOString() ?? null,
      };
    }
    const clockSkewSeconds = Math.round(check.claims.iat - answer.receivedAt.getTime() / 1000);
    const warning = skewWarning(clockSkewSeconds);
    if (warning) log(warning);
    const outcome = await storeLicense(run, row, answer.token, check, clockSkewSeconds);
    const done = { ...report(), attempts, clockSkewSeconds, exitCode: CHECKIN_EXIT.OK };
    if (!outcome.stored) {
      return {
        ...done,
        status: "superseded",
        message: outcome.newer
          ? `${outcome.newer.iat === check.claims.iat ? "a license issued in the same second (of two such, the greater jti stays)" : "a newer license"} (${outcome.newer.edition}, issued ${new Date(outcome.newer.iat * 1000).toISOString()}) is stored (another check-in ran meanwhile): this answer (issued ${new Date(check.claims.iat * 1000).toISOString()}) was not stored over it`
          : "license_state was replaced while this check-in ran (a connect or a reinstall): its answer was not stored; the next run uses the new credential",
      };
    }
    return {
      ...done,
      status: "refreshed",
      edition: check.claims.edition,
      expiresAt: check.expiresAt.toISOString(),
      message: `license refreshed (${check.claims.edition}), valid until ${check.expiresAt.toISOString()}${keys.keys === "updated" ? `; ${keys.keysNote}` : ""}${warning ? `; ${warning}` : ""}`,
    };
  });
}

/** The appliance's license state, its schema brought up to date (writers only do that). */
async function loadState(db: pg.ClientBase): Promise<LoadedState> {
  if (!(await readLicenseState(db))) return { kind: "not-bootstrapped" };
  await ensureApplianceSchema(db);
  const row = (await readLicenseState(db))!;
  const paid = row.edition !== "ESSENTIALS" && !!row.appliance_credential && !!row.check_in_url && !!row.appliance_id;
  const licenseUrl = row.license_url ?? (row.check_in_url ? baseUrlOfCheckInUrl(row.check_in_url) : null);
  if (!paid && !licenseUrl) return { kind: "essentials-offline" };
  return { kind: "ready", row, paid, licenseUrl };
}

/** Waits this appliance's deterministic slot within the spread window; answers the delay (seconds). */
async function waitSlot(run: Run, row: LicenseStateRow): Promise<number> {
  const spread = spreadDelaySeconds(row.tenant_id, row.appliance_id ?? row.tenant_id, run.o.spreadSeconds ?? 0);
  if (spread > 0) {
    run.log(`waiting ${spread}s, this appliance's slot within the ${run.o.spreadSeconds}s spread window (--no-spread checks in now)`);
    await run.sleep(spread * 1000);
  }
  return spread;
}

const judge = (run: Run, row: LicenseStateRow, trust: ApplianceTrust) => storedLicense(row, trust, { clock: run.now(), graceSeconds: run.graceSeconds });

/** Pins a key document (accepted by chain.ts) and says whether the pinned keys changed. Throws KeyTrustError. */
async function acceptInto(run: Run, step: KeysStep, document: unknown, evidence?: string): Promise<void> {
  const before = step.trust.pins;
  step.trust = await acceptKeys(run, document, evidence);
  const rotated = !before || keyIds(before) !== keyIds(step.trust.pins!);
  step.keys = rotated ? "updated" : "unchanged";
  step.keysNote = rotated ? `pinned vendor keys ${step.trust.pins!.keys.map((k) => k.kid).join(", ")}` : undefined;
}

function keysRefused(run: Run, step: KeysStep, err: KeyTrustError): void {
  step.keys = "not-updated";
  step.keysNote = `the vendor keys were not updated: ${err.message}`;
  run.log(step.keysNote);
}

/** The vendor's keys: a rotation is handed over while the old key still signs. */
async function refreshKeys(run: Run, row: LicenseStateRow, paid: boolean, licenseUrl: string | null): Promise<KeysStep> {
  const step: KeysStep = { trust: await applianceTrust(row, run.root), keys: "none", pending: null };
  if (!licenseUrl) return step;
  let document: unknown = undefined;
  try {
    document = await fetchKeyDocument(licenseUrl, { policy: run.policy, hooks: run.hooks });
  } catch (err) {
    const error = asServiceError(err);
    step.keys = "not-updated";
    step.keysNote = `the vendor keys could not be fetched: ${error.message}`;
    if (error.retryable && paid) return { ...step, down: error };
  }
  if (document !== undefined) {
    try {
      await acceptInto(run, step, document);
    } catch (err) {
      if (!(err instanceof KeyTrustError)) throw err;
      if (err.reason === "FUTURE" && paid) step.pending = document;
      keysRefused(run, step, err);
    }
  }
  return step;
}

/** The check-in itself, retried as the policy says. */
async function requestLicense(run: Run, row: LicenseStateRow): Promise<LicenseAnswer> {
  let attempts = 0;
  try {
    const r = await withRetries(
      () => checkIn(row.check_in_url!, row.appliance_credential!, { applianceId: row.appliance_id!, applianceVersion: run.o.applianceVersion }),
      run.policy,
      { ...run.hooks, onAttempt: (n) => (attempts = n) },
    );
    return { kind: "token", token: r.token, attempts, receivedAt: run.now() };
  } catch (err) {
    return { kind: "failed", error: asServiceError(err), attempts };
  }
}

/** A failed check-in, handled as the contract's failure table says: keep the token, lapsed, or refused. */
async function failedCheckIn(
  run: Run,
  row: LicenseStateRow,
  trust: ApplianceTrust,
  answer: Extract<LicenseAnswer, { kind: "failed" }>,
  report: ReportBase,
): Promise<AgentReport> {
  const { error, attempts } = answer;
  const code = failureCode(error);
  const then = applianceFailure(code).checkIn;
  if ("keep" in then) return keep(run, row, trust, error, { ...report, attempts });
  if (then.outcome === "lapsed") {
    const check = await judge(run, row, trust);
    const reason = String(error.extensions.reason ?? "lapsed").toLowerCase();
    const until = check?.ok
      ? `until ${check.expiresAt.toISOString()} (honoured offline until ${check.graceEndsAt.toISOString()})`
      : "no longer (the current license is not valid)";
    const message =
      `the paid subscription is ${reason}: the license service issued no new license. This appliance keeps its credential and its current license ${until}, ` +
      "then runs as ESSENTIALS; renewing the subscription restores it at the next check-in";
    await recordCheckIn(run.db, row, "lapsed", `ENTITLEMENT_LAPSED: ${message}`);
    return {
      ...report,
      attempts,
      exitCode: CHECKIN_EXIT.ENTITLEMENT_LAPSED,
      status: "lapsed",
      message,
      edition: row.edition,
      expiresAt: row.license_expires_at?.toISOString() ?? null,
    };
  }
  const message = then.say?.({ message: error.message, extensions: error.extensions, applianceId: row.appliance_id }) ?? error.message;
  await recordCheckIn(run.db, row, "refused", `${code}: ${message}`);
  return {
    ...report,
    attempts,
    exitCode: CHECKIN_EXIT.REFUSED,
    status: "refused",
    message: `${code}: ${message}`,
    expiresAt: row.license_expires_at?.toISOString() ?? null,
  };
}

/** The refreshed token under the pins — a pending document first, with the token as its evidence. */
async function verifyAnswer(run: Run, row: LicenseStateRow, keys: KeysStep, answer: Extract<LicenseAnswer, { kind: "token" }>): Promise<LicenseCheck> {
  if (keys.pending) {
    try {
      await acceptInto(run, keys, keys.pending, answer.token);
    } catch (err) {
      if (!(err instanceof KeyTrustError)) throw err;
      keysRefused(run, keys, err);
    }
  }
  const t = keys.trust;
  return verifyLicense(answer.token, {
    keys: t.pins,
    tenantId: row.tenant_id,
    applianceId: row.appliance_id,
    now: answer.receivedAt,
    timeFloor: t.floor,
    graceSeconds: run.graceSeconds,
    // the rules status reads it by: a license bound to another key is never stored
    applianceKeyThumbprint: t.keyThumbprint,
  });
}

/**
 * Under the writers' lock: stored only while this credential is the stored one (a connect or
 * reinstall that replaced it wins) and the stored license is not newer (another agent's).
 */
function storeLicense(run: Run, row: LicenseStateRow, token: string, check: Extract<LicenseCheck, { ok: true }>, skewSeconds: number): Promise<StoreOutcome> {
  return withLicenseLock(run.db, async (): Promise<StoreOutcome> => {
    const current = await readLicenseState(run.db);
    if (!current || current.appliance_credential !== row.appliance_credential) return { stored: false };
    const held = verifiedClaims(await judge(run, current, await applianceTrust(current, run.root)));
    if (held && !isNewerLicense(check.claims, held)) return { stored: false, newer: held };
    await storeCheckedInLicense(run.db, row.tenant_id, row.appliance_credential!, {
      token,
      expiresAt: check.expiresAt,
      edition: check.claims.edition,
      issuedAt: new Date(check.claims.iat * 1000),
      skewSeconds,
    });
    return { stored: true };
  });
}

/**
 * Accepts a key hand-over document at the end of the stored chain, under the writers' lock (the chain
 * is read again there: a concurrent connect or agent may have extended it). Throws KeyTrustError.
 */
async function acceptKeys(run: Run, document: unknown, evidence?: string): Promise<ApplianceTrust> {
  const { db, root } = run;
  await withLicenseLock(db, async () => {
    const current = (await readLicenseState(db))!;
    const t = await applianceTrust(current, root);
    if (t.problem && !root)
      throw new KeyTrustError("UNTRUSTED", `the pinned vendor keys were refused (${t.problem.message}): no document can be accepted through them`);
    // nothing pinned (installed by an older console): a first use, trusted only if it vouches for the stored license
    const nothingPinned = !t.chain && !t.problem;
    const chain: KeyChain = await extendKeyChain(t.chain, document, {
      root,
      reference: referenceTime(t, run.now()),
      firstUse: nothingPinned,
      evidence: evidence ? (candidate) => licenseTime(run, evidence, candidate, current, t) : undefined,
    });
    const tip = chainTip(chain);
    if (nothingPinned && current.edition !== "ESSENTIALS" && current.license_token) {
      const check = await verifyLicense(current.license_token, {
        keys: tip,
        tenantId: current.tenant_id,
        applianceId: current.appliance_id,
        now: run.now(),
        timeFloor: t.floor,
        graceSeconds: run.graceSeconds,
      });
      if (!check.ok && check.reason !== "EXPIRED")
        throw new KeyTrustError("UNTRUSTED", `the key document does not verify this appliance's license (${check.message})`);
    }
    const same = t.chain && t.chain.links.length === chain.links.length && sameDocument(chainTip(t.chain), tip);
    if (!same) await storeKeyChain(db, current.tenant_id, chainDocuments(chain), new Date(tip.issuedAt * 1000));
  });
  return applianceTrust((await readLicenseState(db))!, root);
}

/** The service's time of a license verified under a candidate document's keys (its evidence for the document's date). */
async function licenseTime(run: Run, token: string, candidate: VendorKeys, row: LicenseStateRow, t: ApplianceTrust): Promise<Date | null> {
  const check = await verifyLicense(token, {
    keys: candidate,
    tenantId: row.tenant_id,
    applianceId: row.appliance_id,
    now: run.now(),
    timeFloor: t.floor,
    graceSeconds: run.graceSeconds,
  });
  return check.ok ? new Date(check.claims.iat * 1000) : null;
}

/** The service did not answer (or stayed busy): keep the current token, say how long it lasts. */
async function keep(run: Run, row: LicenseStateRow, trust: ApplianceTrust, error: AlgaLicenseError, report: ReportBase): Promise<AgentReport> {
  const check = await judge(run, row, trust);
  const v = validity(row, check, run.now());
  const atRisk = v.left < (run.o.warnDays ?? 7) * DAY;
  const code = failureCode(error);
  const then = applianceFailure(code).checkIn;
  const what = "keep" in then ? then.keep : "license service unreachable";
  await recordCheckIn(run.db, row, "unreachable", `${code}: ${error.message}`);
  return {
    ...report,
    exitCode: atRisk ? CHECKIN_EXIT.LICENSE_AT_RISK : CHECKIN_EXIT.OK,
    status: "kept-current-token",
    edition: row.edition,
    expiresAt: row.license_expires_at?.toISOString() ?? null,
    message: `${what}: ${error.message}. Kept the current token: ${v.text}${atRisk ? " — restore connectivity to the license service" : "; the next daily run retries"}`,
  };
}
