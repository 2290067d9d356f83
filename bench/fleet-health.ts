// Fleet health simulation: 100,000 appliances inserted with SQL, time compressed (each step moves the
// sweep's clock on by one day and replays that day's check-ins in bulk), the real fleet sweep judging
// them (api/src/domain/fleet-sweep.ts) with an endpoint subscribed to every event, then the real
// delivery worker sending the queued events to a local HTTP receiver. Prints each pass's duration,
// the health counts, the transitions and the events and notices they queued.
//
//   npx tsx bench/fleet-health.ts [--appliances 100000]
// BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres) names the server; a
// scratch database is created and dropped.
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import pg from "pg";
import pino from "pino";
import { createServerSecret } from "../api/src/crypto/server-secret.js";
import { migrateDeploy } from "../api/src/db/migrate.js";
import { sweepFleet, type FleetPolicy, type SweepReport } from "../api/src/domain/fleet-sweep.js";
import { WEBHOOK_EVENTS } from "../api/src/domain/webhook-events.js";
import { startWebhookWorker } from "../api/src/webhooks/delivery-worker.js";
import { newWebhookSecret } from "../api/src/webhooks/signature.js";
import { createScratchDatabase } from "./database.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg("appliances", 100_000);
/** the simulated days a pass runs on: daily through the first week (the overdue wave), then sparser up
 * to the license expiries (day 30 on) and the seat releases three days after them */
const STEPS = [0, 1, 2, 3, 4, 5, 6, 7, 10, 14, 21, 28, 31, 32, 33, 34, 35, 36];
const PER_TENANT = 5;
const DAY = 86_400_000;
const HOUR = 3_600_000;

// The fleet, by the appliance id's prefix:
//   rel  90%  checks in every day
//   die   5%  stops checking in after day 2 (OVERDUE on day 5, DARK when its license runs out, seat released 3 days later)
//   flk   3%  silent from day 1 to day 6, then back (OVERDUE, then HEALTHY)
//   off   2%  activated by file, renewal due between day 10 and day 40 (OFFLINE, then DARK when unrenewed)
const CLASSES = `CASE WHEN g % 100 < 90 THEN 'rel' WHEN g % 100 < 95 THEN 'die' WHEN g % 100 < 98 THEN 'flk' ELSE 'off' END`;

const policy: FleetPolicy = {
  overdueAfterMs: 72 * HOUR,
  notices: new Set(["appliance_overdue", "license_expiring", "entitlement_past_due"]),
  licenseExpiringMs: 14 * DAY,
  seatReleaseAfterMs: 3 * DAY,
  graceSeconds: 14 * 86_400,
};

async function main() {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  const db = await createScratchDatabase(adminUrl);
  const pool = new pg.Pool({ connectionString: db.url, max: 6 });
  const received = { n: 0 };
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received.n++;
      res.writeHead(204).end();
    });
  });
  try {
    await migrateDeploy(db.url);
    const secret = createServerSecret(Buffer.alloc(32, 7));
    const t0 = new Date();
    // the daily check-ins rewrite most rows: room on each page keeps those updates HOT
    await pool.query(`ALTER TABLE appliance SET (fillfactor = 60)`);
    let started = performance.now();
    const tenants = Math.ceil(N / PER_TENANT);
    await pool.query(
      `INSERT INTO tenant_registry (tenant_id, company_name, contact_email, edition, status, created_at, updated_at)
       SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'Fleet ' || g, 'ops' || g || '@fleet.example', 'PRO', 'ACTIVE', $1, $1
         FROM generate_series(1, $2) g`,
      [t0, tenants],
    );
    await pool.query(
      `INSERT INTO appliance (id, appliance_id, tenant_id, credential_digest, edition, license_expires_at, last_check_in_at,
                             activation_mode, offline_renewal_due_at, created_at, updated_at)
       SELECT gen_random_uuid(), ${CLASSES} || '-' || g, ('00000000-0000-4000-8000-' || lpad(to_hex((g - 1) / ${PER_TENANT} + 1), 12, '0'))::uuid,
              CASE WHEN g % 100 < 98 THEN md5('cred' || g) END, 'PRO',
              $1::timestamptz + interval '30 days', CASE WHEN g % 100 < 98 THEN $1::timestamptz END,
              (CASE WHEN g % 100 < 98 THEN 'ONLINE' ELSE 'OFFLINE' END)::"ActivationMode",
              CASE WHEN g % 100 >= 98 THEN $1::timestamptz + make_interval(days => 10 + g % 31) END, $1, $1
         FROM generate_series(1, $2) g`,
      [t0, N],
    );
    // every tenant pays (5 seats): 2% billed elsewhere end on day 20 (announced 14 days ahead), 1% are past due from day 10
    await pool.query(
      `INSERT INTO entitlement (id, tenant_id, edition, status, valid_until, past_due_since, seats, created_at, updated_at)
       SELECT gen_random_uuid(), ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'PRO', 'ACTIVE',
              CASE WHEN g % 100 < 2 THEN $1::timestamptz + interval '20 days' END, NULL, ${PER_TENANT}, $1, $1
         FROM generate_series(1, $2) g`,
      [t0, tenants],
    );
    await pool.query(`ANALYZE appliance; ANALYZE tenant_registry; ANALYZE entitlement`);
    const seedMs = performance.now() - started;
    await pool.query(`INSERT INTO webhook_endpoint (id, url, events, sealed_secret) VALUES (gen_random_uuid(), 'http://placeholder/', $1, $2)`, [
      [...WEBHOOK_EVENTS],
      secret.seal(newWebhookSecret()),
    ]);

    const log = pino({ level: "warn" });
    const deps = { db: pool, secret, policy, checkInUrl: () => "https://license.example.com/graphql", log };
    const counts = async () =>
      Object.fromEntries(
        (await pool.query<{ h: string; n: number }>(`SELECT coalesce(health::text, 'untracked') AS h, count(*)::int AS n FROM appliance GROUP BY 1`)).rows.map(
          (r) => [r.h, r.n],
        ),
      );

    console.log(
      `fleet-health: ${N.toLocaleString("en")} appliances in ${tenants.toLocaleString("en")} tenants seeded in ${(seedMs / 1000).toFixed(1)} s; ${os.cpus().length} CPUs, ${STEPS.length} passes over ${STEPS.at(-1)} simulated days`,
    );
    console.log("day | check-ins | check-in SQL ms | sweep ms | changed | notices | retired | HEALTHY | OVERDUE | DARK | OFFLINE | untracked | events queued");
    const totals = { sweepMs: 0, passes: 0, changed: 0, notices: 0, retired: 0, maxSweepMs: 0 };
    for (const day of STEPS) {
      const now = new Date(t0.getTime() + day * DAY);
      // the day's check-ins, at a random hour of the last 20 (each renews the license for 30 days)
      started = performance.now();
      const { rowCount } = await pool.query(
        `UPDATE appliance SET last_check_in_at = $1::timestamptz - make_interval(secs => random() * 3600 * 20), license_expires_at = $1::timestamptz + interval '30 days'
          WHERE credential_revoked_at IS NULL AND activation_mode = 'ONLINE'
            AND (appliance_id LIKE 'rel-%' OR (appliance_id LIKE 'die-%' AND $2 <= 2) OR (appliance_id LIKE 'flk-%' AND ($2 < 1 OR $2 > 6)))`,
        [now, day],
      );
      if (day === 10) {
        await pool.query(
          `UPDATE entitlement SET status = 'PAST_DUE', past_due_since = $1 WHERE valid_until IS NULL AND ('x' || substr(md5(tenant_id::text), 1, 4))::bit(16)::int % 100 = 0`,
          [now],
        );
      }
      const checkInMs = performance.now() - started;
      // what autovacuum does over a real day (compressed to seconds, it would lag behind the dead rows)
      await pool.query(`VACUUM (ANALYZE) appliance`);
      started = performance.now();
      const r: SweepReport = await sweepFleet(deps, now);
      const ms = performance.now() - started;
      const c = await counts();
      const queued = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_delivery`)).rows[0]!.n;
      const notices = Object.values(r.notices).reduce((a, b) => a + b, 0);
      totals.sweepMs += ms;
      totals.passes++;
      totals.maxSweepMs = Math.max(totals.maxSweepMs, ms);
      totals.changed += r.changed;
      totals.notices += notices;
      totals.retired += r.retired;
      console.log(
        [
          day,
          rowCount,
          checkInMs.toFixed(0),
          ms.toFixed(0),
          r.changed,
          notices,
          r.retired,
          c.HEALTHY ?? 0,
          c.OVERDUE ?? 0,
          c.DARK ?? 0,
          c.OFFLINE ?? 0,
          c.untracked ?? 0,
          queued,
        ].join(" | "),
      );
    }
    const transitions = await pool.query<{ t: string; n: number }>(
      `SELECT (details->>'from') || ' -> ' || (details->>'to') AS t, count(*)::int AS n FROM audit_event WHERE action = 'appliance.health_changed' GROUP BY 1 ORDER BY 2 DESC`,
    );
    const events = await pool.query<{ t: string; n: number }>(`SELECT event_type AS t, count(*)::int AS n FROM webhook_delivery GROUP BY 1 ORDER BY 2 DESC`);
    const mails = await pool.query<{ t: string; n: number }>(`SELECT kind AS t, count(*)::int AS n FROM email_outbox GROUP BY 1 ORDER BY 2 DESC`);
    console.log(
      `\nsweep: ${totals.passes} passes over ${N.toLocaleString("en")} appliances, mean ${(totals.sweepMs / totals.passes).toFixed(0)} ms, max ${totals.maxSweepMs.toFixed(0)} ms`,
    );
    console.log(`transitions (audited): ${transitions.rows.map((x) => `${x.t} ${x.n}`).join(", ")}`);
    console.log(`events queued: ${events.rows.map((x) => `${x.t} ${x.n}`).join(", ")}`);
    console.log(`notices queued: ${mails.rows.map((x) => `${x.t} ${x.n}`).join(", ")}`);

    // the events go out: the real delivery worker against a local receiver
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
    await pool.query(`UPDATE webhook_endpoint SET url = $1`, [url]);
    const total = events.rows.reduce((a, x) => a + x.n, 0);
    started = performance.now();
    const worker = startWebhookWorker({
      db: pool,
      secret,
      log,
      maxAttempts: 3,
      retryBaseMs: 1000,
      retryMaxSeconds: 60,
      timeoutMs: 5000,
      pollMs: 200,
      concurrency: 8,
    });
    while (received.n < total) await new Promise((r) => setTimeout(r, 100));
    await worker.stop();
    const drainMs = performance.now() - started;
    const delivered = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_delivery WHERE status = 'DELIVERED'`)).rows[0]!.n;
    console.log(
      `delivery: ${received.n.toLocaleString("en")} signed events received in ${(drainMs / 1000).toFixed(1)} s (${((received.n / drainMs) * 1000).toFixed(0)} /s, concurrency 8); ${delivered.toLocaleString("en")} recorded DELIVERED`,
    );
  } finally {
    receiver.close();
    await pool.end();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
