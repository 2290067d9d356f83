// The fleet sweep: one pass judges every appliance's health (appliance-health.ts), records and audits
// the changes (appliance.health_changed, which queues its webhook event in the same transaction),
// queues the notices due to tenants' contacts, and — when SEAT_RELEASE_AFTER_DAYS is set — retires the
// credentials of appliances DARK that long (appliance.credential_retired, reason "dark").
//
// Safe in every replica: a pass runs under a PostgreSQL advisory lock (a replica that finds it taken
// skips its turn), every judgement is written only if the row is still what was judged, and each
// notice is queued under a unique key per occurrence (notice.key), so even two passes at once could
// neither audit a change twice nor send a notice twice.
import type pg from "pg";
import type { Logger } from "pino";
import type { ServerSecret } from "../crypto/server-secret.js";
import { insertAudits } from "../data/audit.js";
import {
  expiringWithoutNotice,
  fleetBatch,
  overdueWithoutNotice,
  pastDueWithoutNotice,
  queueNotices,
  recordHealth,
  retireDark,
  type EntitlementCandidate,
  type HealthChange,
  type QueuedNotice,
} from "../data/fleet.js";
import { renderNotice, type NoticeInput, type NoticeKind } from "../mail/notice-email.js";
import { applianceHealth, isHealthChange, type HealthPolicy } from "./appliance-health.js";
import { licensedUntil } from "./license-terms.js";
import { systemActor } from "./principal.js";

export interface FleetPolicy extends HealthPolicy {
  /** notice kinds sent (NOTICES) */
  notices: ReadonlySet<NoticeKind>;
  /** how far ahead a paid license's end is announced (NOTICE_LICENSE_EXPIRING_DAYS) */
  licenseExpiringMs: number;
  /** retire the credential of an appliance DARK this long (SEAT_RELEASE_AFTER_DAYS; null: never) */
  seatReleaseAfterMs: number | null;
  /** PAST_DUE grace (ENTITLEMENT_GRACE_SECONDS), for the facts of a notice */
  graceSeconds: number;
  /** rows per statement */
  batchSize?: number;
}

export interface FleetSweepDeps {
  db: pg.Pool;
  secret: ServerSecret;
  policy: FleetPolicy;
  /** where appliances check in (named in the overdue notice) */
  checkInUrl: () => string;
  log: Logger;
  mailQueued?: () => void;
  webhooksQueued?: () => void;
}

export interface SweepReport {
  /** another replica held the sweep's lock: nothing done */
  skipped: boolean;
  judged: number;
  /** judgements written (first judgements included) */
  recorded: number;
  /** changes audited and sent (appliance.health_changed) */
  changed: number;
  notices: Record<NoticeKind, number>;
  retired: number;
}

/** pg_advisory_lock key of the sweep (any constant of our own) */
const SWEEP_LOCK = 0x616c6761_0001n;
const ZERO_UUID = "00000000-0000-0000-0000-000000000000";

async function inTransaction<T>(c: pg.PoolClient, fn: () => Promise<T>): Promise<T> {
  await c.query("BEGIN");
  try {
    const out = await fn();
    await c.query("COMMIT");
    return out;
  } catch (err) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

export async function sweepFleet(d: FleetSweepDeps, now: Date): Promise<SweepReport> {
  const report: SweepReport = {
    skipped: false,
    judged: 0,
    recorded: 0,
    changed: 0,
    notices: { license_expiring: 0, appliance_overdue: 0, entitlement_past_due: 0 },
    retired: 0,
  };
  const c = await d.db.connect();
  let broken = false;
  const onError = () => (broken = true);
  c.on("error", onError);
  try {
    const { rows } = await c.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock($1) AS locked`, [SWEEP_LOCK.toString()]);
    if (!rows[0]?.locked) return { ...report, skipped: true };
    try {
      await judge(d, c, now, report);
      await notify(d, c, now, report);
      if (d.policy.seatReleaseAfterMs !== null) await releaseSeats(d, c, now, report);
    } finally {
      await c.query(`SELECT pg_advisory_unlock($1)`, [SWEEP_LOCK.toString()]).catch(() => (broken = true));
    }
    if (report.changed || report.retired) d.webhooksQueued?.();
    if (Object.values(report.notices).some(Boolean)) d.mailQueued?.();
    return report;
  } finally {
    c.removeListener("error", onError);
    c.release(broken);
  }
}

const actorFor = (now: Date) => systemActor("fleet-sweep", `fleet-sweep-${now.toISOString()}`);

async function judge(d: FleetSweepDeps, c: pg.PoolClient, now: Date, report: SweepReport) {
  const size = d.policy.batchSize ?? 2000;
  for (let cursor = ZERO_UUID; ;) {
    const rows = await fleetBatch(c, cursor, size);
    if (rows.length === 0) return;
    cursor = rows[rows.length - 1]!.id;
    report.judged += rows.length;
    const changes: HealthChange[] = [];
    for (const row of rows) {
      const after = applianceHealth(row, now, d.policy);
      if (after !== row.health) changes.push({ row, after });
    }
    if (changes.length === 0) continue;
    await inTransaction(c, async () => {
      const recorded = await recordHealth(c, changes, now);
      report.recorded += recorded.length;
      const audited = recorded.filter((r) => isHealthChange(r.before, r.after));
      report.changed += audited.length;
      await insertAudits(
        c,
        actorFor(now),
        "appliance.health_changed",
        audited.map((r) => ({
          tenantId: r.tenantId,
          details: {
            applianceId: r.applianceId,
            applianceRowId: r.id,
            from: r.before,
            to: r.after,
            lastCheckInAt: r.lastCheckInAt?.toISOString() ?? null,
            licenseExpiresAt: r.licenseExpiresAt?.toISOString() ?? null,
          },
        })),
        now,
      );
    });
  }
}

async function queue(
  d: FleetSweepDeps,
  c: pg.PoolClient,
  kind: NoticeKind,
  candidates: { key: string; tenantId: string; contactEmail: string; notice: NoticeInput }[],
  now: Date,
): Promise<number> {
  if (candidates.length === 0) return 0;
  const notices: QueuedNotice[] = candidates.map((x) => ({
    key: x.key,
    kind,
    tenantId: x.tenantId,
    recipient: x.contactEmail,
    sealedMessage: d.secret.seal(JSON.stringify(renderNotice(x.notice))),
  }));
  return inTransaction(c, async () => {
    const claimed = new Set(await queueNotices(c, notices, now));
    await insertAudits(
      c,
      actorFor(now),
      "notice.queued",
      candidates.filter((x) => claimed.has(x.key)).map((x) => ({ tenantId: x.tenantId, details: { kind, key: x.key } })),
      now,
    );
    return claimed.size;
  });
}

async function notify(d: FleetSweepDeps, c: pg.PoolClient, now: Date, report: SweepReport) {
  const limit = Math.min(d.policy.batchSize ?? 2000, 500);
  const on = d.policy.notices;
  const grace = d.policy.graceSeconds;
  const until = (e: EntitlementCandidate) => licensedUntil({ status: e.status, validUntil: e.validUntil, pastDueSince: e.pastDueSince }, grace);
  for (let more = on.has("appliance_overdue"); more;) {
    const rows = await overdueWithoutNotice(c, limit);
    report.notices.appliance_overdue += await queue(
      d,
      c,
      "appliance_overdue",
      rows.map((r) => ({
        ...r,
        notice: {
          kind: "appliance_overdue",
          companyName: r.companyName,
          tenantId: r.tenantId,
          applianceId: r.applianceId,
          lastCheckInAt: r.lastCheckInAt,
          overdueSince: r.overdueSince,
          licenseExpiresAt: r.licenseExpiresAt,
          checkInUrl: d.checkInUrl(),
        },
      })),
      now,
    );
    more = rows.length === limit;
  }
  for (let more = on.has("entitlement_past_due"); more;) {
    const rows = await pastDueWithoutNotice(c, limit);
    report.notices.entitlement_past_due += await queue(
      d,
      c,
      "entitlement_past_due",
      rows.map((r) => ({
        ...r,
        notice: {
          kind: "entitlement_past_due",
          companyName: r.companyName,
          tenantId: r.tenantId,
          edition: r.edition,
          pastDueSince: r.pastDueSince!,
          licensedUntil: until(r),
        },
      })),
      now,
    );
    more = rows.length === limit;
  }
  for (let more = on.has("license_expiring"); more;) {
    const rows = await expiringWithoutNotice(c, now, new Date(now.getTime() + d.policy.licenseExpiringMs), limit);
    report.notices.license_expiring += await queue(
      d,
      c,
      "license_expiring",
      rows.map((r) => ({
        ...r,
        notice: {
          kind: "license_expiring",
          companyName: r.companyName,
          tenantId: r.tenantId,
          edition: r.edition,
          validUntil: r.validUntil!,
          licensedUntil: until(r),
        },
      })),
      now,
    );
    more = rows.length === limit;
  }
}

async function releaseSeats(d: FleetSweepDeps, c: pg.PoolClient, now: Date, report: SweepReport) {
  const cutoff = new Date(now.getTime() - d.policy.seatReleaseAfterMs!);
  for (;;) {
    const n = await inTransaction(c, async () => {
      const retired = await retireDark(c, cutoff, 500, now);
      await insertAudits(
        c,
        actorFor(now),
        "appliance.credential_retired",
        retired.map((r) => ({
          tenantId: r.tenantId,
          details: { applianceId: r.applianceId, applianceRowId: r.id, reason: "dark", darkSince: r.darkSince.toISOString() },
        })),
        now,
      );
      return retired.length;
    });
    report.retired += n;
    if (n < 500) return;
  }
}

export interface FleetSweeper {
  /** one pass now (tests, the bench); resolves with its report */
  runOnce(): Promise<SweepReport>;
  stop(): Promise<void>;
}

/** Runs a pass every intervalMs (FLEET_SWEEP_INTERVAL_MS), the first soon after start; passes never overlap. */
export function startFleetSweep(d: FleetSweepDeps, o: { intervalMs: number; clock: () => Date }): FleetSweeper {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let current: Promise<SweepReport> | undefined;
  const runOnce = () => {
    current ??= sweepFleet(d, o.clock()).finally(() => (current = undefined));
    return current;
  };
  const tick = () => {
    runOnce()
      .then(
        (r) => (r.changed || r.retired || Object.values(r.notices).some(Boolean)) && d.log.info(r, "fleet sweep"),
        (err: unknown) => d.log.warn({ err }, "fleet sweep failed (the next pass tries again)"),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, o.intervalMs);
      });
  };
  timer = setTimeout(tick, Math.min(1000, o.intervalMs));
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current?.catch(() => undefined);
    },
  };
}
