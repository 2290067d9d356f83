// The daily check-in: refresh the vendor key pins and the license with the appliance credential, and
// store the new token once it verifies. In a fleet it waits its own deterministic slot first and
// honours the service's Retry-After (bounded). When the service is down or busy it keeps the current
// token and reports how long it stays valid; it exits non-zero only when someone has to act.
import { applianceFailure } from "@alga-license/contract";
import type { JWK } from "jose";
import type pg from "pg";
import {
  ensureApplianceSchema,
  readLicenseState,
  storeCheckedInLicense,
  storeKeyChain,
  withApplianceDb,
  withLicenseLock,
  type LicenseStateRow,
} from "../bootstrap/appliance-schema.js";
import { baseUrlOfCheckInUrl, checkIn, LicenseServiceError } from "../license-api.js";
import { chainDocuments, chainTip, extendKeyChain, sameDocument, type KeyChain } from "../license/chain.js";
import { skewWarning } from "../license/clock.js";
import { fetchKeyDocument } from "../license/pins.js";
import { applianceTrust, isNewerLicense, referenceTime, storedLicense, verifiedClaims, type ApplianceTrust } from "../license/trust.js";
import { DEFAULT_OFFLINE_GRACE_SECONDS, KeyTrustError, verifyLicense, type LicenseCheck, type VendorKeys } from "../license/verify.js";
import { callWithRetry, failureOf, sleep as defaultSleep, type RetryPolicy } from "../retry.js";
import { spreadDelaySeconds } from "./spread.js";

export const CHECKIN_EXIT = {
  OK: 0,
  FAILED: 1,
  /** usage, or the appliance is not bootstrapped */
  USAGE: 2,
  /** the service could not be reached (or stayed busy) and the license lapses within warnDays, or has */
  LICENSE_AT_RISK: 3,
  /** the service refused: tenant suspended, credential revoked or replaced, wrong appliance id */
  REFUSED: 4,
  /** the paid subscription lapsed: no new license; the appliance runs as ESSENTIALS once its token expires */
  ENTITLEMENT_LAPSED: 5,
  /** the service's answer did not verify (refreshed license or key document): nothing was stored */
  NOT_VERIFIED: 6,
} as const;

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
  return { left, text: `the current license stays valid for ${Math.floor(left / DAY)}d ${Math.floor((left % DAY) / 3_600_000)}h (until ${until.toISOString()})` };
}

const keyIds = (k: VendorKeys) => `${k.issuer} ${k.keys.map((x) => x.kid).join(",")}`;


export async function runCheckIn(o: AgentOptions): Promise<AgentReport> {
  const now = o.now ?? (() => new Date());
  const log = o.log ?? (() => {});
  const graceSeconds = o.graceSeconds ?? DEFAULT_OFFLINE_GRACE_SECONDS;
  const root = o.vendorKeys?.length ? o.vendorKeys : null;
  const policy: RetryPolicy = {
    attempts: o.attempts ?? 4,
    baseDelayMs: o.retryDelayMs ?? 1000,
    maxDelayMs: 60_000,
    maxRetryAfterMs: (o.maxWaitSeconds ?? 300) * 1000,
  };
  const sleep = o.sleep ?? ((ms: number) => defaultSleep(ms));
  const waitsMs: number[] = [];
  const hooks = {
    wait: (ms: number) => sleep(ms),
    onWait: (w: { waitMs: number; askedByService: boolean; error: LicenseServiceError; attempt: number }) => {
      waitsMs.push(w.waitMs);
      log(`attempt ${w.attempt} failed (${w.error.code}: ${w.error.message}); retrying in ${Math.round(w.waitMs / 100) / 10}s${w.askedByService ? " as the service asked" : ""}`);
    },
  };
  const judge = (row: LicenseStateRow, trust: ApplianceTrust) => storedLicense(row, trust, { clock: now(), graceSeconds });

  return withApplianceDb(o.databaseUrl, async (db) => {
    const base = { spreadDelaySeconds: 0, attempts: 0, waitsMs, keys: "none" as AgentReport["keys"] };
    if (!(await readLicenseState(db))) return { ...base, exitCode: CHECKIN_EXIT.USAGE, status: "not-bootstrapped", message: "no license_state: run create-tenant first" };
    await ensureApplianceSchema(db);
    const row = (await readLicenseState(db))!;
    const paid = row.edition !== "ESSENTIALS" && !!row.appliance_credential && !!row.check_in_url && !!row.appliance_id;
    const licenseUrl = row.license_url ?? (row.check_in_url ? baseUrlOfCheckInUrl(row.check_in_url) : null);
    if (!paid && !licenseUrl) return { ...base, exitCode: CHECKIN_EXIT.OK, status: "essentials", message: "essentials edition: no license to refresh", edition: "ESSENTIALS" };

    const spread = spreadDelaySeconds(row.tenant_id, row.appliance_id ?? row.tenant_id, o.spreadSeconds ?? 0);
    if (spread > 0) {
      log(`waiting ${spread}s, this appliance's slot within the ${o.spreadSeconds}s spread window (--no-spread checks in now)`);
      await sleep(spread * 1000);
    }
    const report = { ...base, spreadDelaySeconds: spread };

    // 1. the vendor's keys: a rotation is handed over while the old key still signs
    let trust = await applianceTrust(row, root);
    let keysNote: string | undefined;
    /** a document refused only for its date: judged again with the time of the license the service signs next */
    let pending: unknown = null;
    const accept = async (document: unknown, evidence?: string) => {
      const before = trust.pins;
      trust = await acceptKeys(db, document, evidence);
      const rotated = !before || keyIds(before) !== keyIds(trust.pins!);
      report.keys = rotated ? "updated" : "unchanged";
      keysNote = rotated ? `pinned vendor keys ${trust.pins!.keys.map((k) => k.kid).join(", ")}` : undefined;
    };
    const refused = (err: KeyTrustError) => {
      report.keys = "not-updated";
      keysNote = `the vendor keys were not updated: ${err.message}`;
      log(keysNote);
    };
    if (licenseUrl) {
      let document: unknown = undefined;
      try {
        document = await fetchKeyDocument(licenseUrl, { policy, hooks });
      } catch (err) {
        const { error } = failureOf(err);
        report.keys = "not-updated";
        keysNote = `the vendor keys could not be fetched: ${error.message}`;
        // the service is down or busy: the check-in would meet the same, after as many retries
        if (error.retryable && paid) return keep(db, row, trust, error, { ...report, attempts: 0, keysNote });
      }
      if (document !== undefined) {
        try {
          await accept(document);
        } catch (err) {
          if (!(err instanceof KeyTrustError)) throw err;
          if (err.reason === "FUTURE" && paid) pending = document;
          refused(err);
        }
      }
    }
    if (!paid) {
      return { ...report, keysNote, exitCode: CHECKIN_EXIT.OK, status: "essentials", edition: "ESSENTIALS", message: `essentials edition: no license to refresh${keysNote ? `; ${keysNote}` : ""}` };
    }

    // 2. the license
    let attempts = 0;
    let r: Awaited<ReturnType<typeof checkIn>>;
    try {
      r = await callWithRetry(
        () => checkIn(row.check_in_url!, row.appliance_credential!, { applianceId: row.appliance_id!, applianceVersion: o.applianceVersion }),
        policy,
        { ...hooks, onAttempt: (n) => (attempts = n) },
      );
    } catch (err) {
      const { error } = failureOf(err);
      // what to do is the contract's failure table: keep the token, lapsed, or refused
      const then = applianceFailure(error.code).checkIn;
      if ("keep" in then) return keep(db, row, trust, error, { ...report, attempts, keysNote });
      if (then.outcome === "lapsed") {
        const check = await judge(row, trust);
        const reason = String(error.extensions.reason ?? "lapsed").toLowerCase();
        const until = check?.ok ? `until ${check.expiresAt.toISOString()} (honoured offline until ${check.graceEndsAt.toISOString()})` : "no longer (the current license is not valid)";
        const message =
          `the paid subscription is ${reason}: the license service issued no new license. This appliance keeps its credential and its current license ${until}, ` +
          "then runs as ESSENTIALS; renewing the subscription restores it at the next check-in";
        await record(db, row, "lapsed", `ENTITLEMENT_LAPSED: ${message}`);
        return { ...report, keysNote, attempts, exitCode: CHECKIN_EXIT.ENTITLEMENT_LAPSED, status: "lapsed", message, edition: row.edition, expiresAt: row.license_expires_at?.toISOString() ?? null };
      }
      const message = then.say?.({ message: error.message, extensions: error.extensions, applianceId: row.appliance_id }) ?? error.message;
      await record(db, row, "refused", `${error.code}: ${message}`);
      return { ...report, keysNote, attempts, exitCode: CHECKIN_EXIT.REFUSED, status: "refused", message: `${error.code}: ${message}`, expiresAt: row.license_expires_at?.toISOString() ?? null };
    }
    const receivedAt = now();
    if (pending) {
      try {
        await accept(pending, r.token);
      } catch (err) {
        if (!(err instanceof KeyTrustError)) throw err;
        refused(err);
      }
    }
    const check = await verifyLicense(r.token, { keys: trust.pins, tenantId: row.tenant_id, applianceId: row.appliance_id, now: receivedAt, timeFloor: trust.floor, graceSeconds });
    if (!check.ok) {
      const why = trust.problem && !trust.pins ? `the pinned vendor keys were refused (${trust.problem.message})` : check.message;
      const message = `the refreshed license was not stored: ${why}`;
      await record(db, row, "not-verified", `NOT_VERIFIED: ${message}`);
      return { ...report, keysNote, attempts, exitCode: CHECKIN_EXIT.NOT_VERIFIED, status: "not-verified", message, expiresAt: row.license_expires_at?.toISOString() ?? null };
    }
    const clockSkewSeconds = Math.round(check.claims.iat - receivedAt.getTime() / 1000);
    const warning = skewWarning(clockSkewSeconds);
    if (warning) log(warning);
    // under the writers' lock: stored only while this credential is the stored one (a connect or
    // reinstall that replaced it wins) and the stored license is not newer (another agent's)
    const outcome = await withLicenseLock(db, async () => {
      const current = await readLicenseState(db);
      if (!current || current.appliance_credential !== row.appliance_credential) return { stored: false as const };
      const held = verifiedClaims(await judge(current, await applianceTrust(current, root)));
      if (held && !isNewerLicense(check.claims, held)) return { stored: false as const, newer: held };
      await storeCheckedInLicense(db, row.tenant_id, row.appliance_credential!, {
        token: r.token,
        expiresAt: check.expiresAt,
        edition: check.claims.edition,
        issuedAt: new Date(check.claims.iat * 1000),
        skewSeconds: clockSkewSeconds,
      });
      return { stored: true as const };
    });
    const done = { ...report, keysNote, attempts, clockSkewSeconds, exitCode: CHECKIN_EXIT.OK };
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
      message: `license refreshed (${check.claims.edition}), valid until ${check.expiresAt.toISOString()}${report.keys === "updated" ? `; ${keysNote}` : ""}${warning ? `; ${warning}` : ""}`,
    };
  });

  /**
   * Accepts a key hand-over document at the end of the stored chain, under the writers' lock (the chain
   * is read again there: a concurrent connect or agent may have extended it). Throws KeyTrustError.
   */
  async function acceptKeys(db: pg.ClientBase, document: unknown, evidence?: string): Promise<ApplianceTrust> {
    await withLicenseLock(db, async () => {
      const current = (await readLicenseState(db))!;
      const t = await applianceTrust(current, root);
      if (t.problem && !root) throw new KeyTrustError("UNTRUSTED", `the pinned vendor keys were refused (${t.problem.message}): no document can be accepted through them`);
      // nothing pinned (installed by an older console): a first use, trusted only if it vouches for the stored license
      const nothingPinned = !t.chain && !t.problem;
      const chain: KeyChain = await extendKeyChain(t.chain, document, {
        root,
        reference: referenceTime(t, now()),
        firstUse: nothingPinned,
        evidence: evidence ? (candidate) => licenseTime(evidence, candidate, current, t) : undefined,
      });
      const tip = chainTip(chain);
      if (nothingPinned && current.edition !== "ESSENTIALS" && current.license_token) {
        const check = await verifyLicense(current.license_token, { keys: tip, tenantId: current.tenant_id, applianceId: current.appliance_id, now: now(), timeFloor: t.floor, graceSeconds });
        if (!check.ok && check.reason !== "EXPIRED") throw new KeyTrustError("UNTRUSTED", `the key document does not verify this appliance's license (${check.message})`);
      }
      const same = t.chain && t.chain.links.length === chain.links.length && sameDocument(chainTip(t.chain), tip);
      if (!same) await storeKeyChain(db, current.tenant_id, chainDocuments(chain), new Date(tip.issuedAt * 1000));
    });
    return applianceTrust((await readLicenseState(db))!, root);
  }

  /** The service's time of a license verified under a candidate document's keys (its evidence for the document's date). */
  async function licenseTime(token: string, candidate: VendorKeys, row: LicenseStateRow, t: ApplianceTrust): Promise<Date | null> {
    const check = await verifyLicense(token, { keys: candidate, tenantId: row.tenant_id, applianceId: row.appliance_id, now: now(), timeFloor: t.floor, graceSeconds });
    return check.ok ? new Date(check.claims.iat * 1000) : null;
  }

  /** Records what this run found — unless a connect or reinstall replaced the credential meanwhile. */
  async function record(db: pg.ClientBase, row: LicenseStateRow, outcome: string, error: string) {
    await db.query(
      "UPDATE license_state SET last_check_in_error = $1, last_check_in_outcome = $2, updated_at = now() WHERE tenant_id = $3 AND appliance_credential IS NOT DISTINCT FROM $4",
      [error.slice(0, 1000), outcome, row.tenant_id, row.appliance_credential],
    );
  }

  /** The service did not answer (or stayed busy): keep the current token, say how long it lasts. */
  async function keep(db: pg.ClientBase, row: LicenseStateRow, trust: ApplianceTrust, error: LicenseServiceError, report: Omit<AgentReport, "exitCode" | "status" | "message">): Promise<AgentReport> {
    const check = await judge(row, trust);
    const v = validity(row, check, now());
    const atRisk = v.left < (o.warnDays ?? 7) * DAY;
    const then = applianceFailure(error.code).checkIn;
    const what = "keep" in then ? then.keep : "license service unreachable";
    await record(db, row, "unreachable", `${error.code}: ${error.message}`);
    return {
      ...report,
      exitCode: atRisk ? CHECKIN_EXIT.LICENSE_AT_RISK : CHECKIN_EXIT.OK,
      status: "kept-current-token",
      edition: row.edition,
      expiresAt: row.license_expires_at?.toISOString() ?? null,
      message: `${what}: ${error.message}. Kept the current token: ${v.text}${atRisk ? " — restore connectivity to the license service" : "; the next daily run retries"}`,
    };
  }
}
