// Assembles a running control plane from a Config: database (embedded or DATABASE_URL), migrations,
// keys, services, the HTTP server and the outbox worker — and one stop-stack that unwinds them in
// reverse, for a failed start and for a shutdown alike. Used by main.ts and the tests.
import { signOfflineResponse, type KeyDocument } from "@alga-license/contract";
import type pg from "pg";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { loadServerSecret } from "./crypto/server-secret.js";
import { startEmbeddedDatabase } from "./db/embedded.js";
import { startDatabaseHealth } from "./db/health.js";
import { migrateIfNeeded } from "./db/migrate.js";
import { createPool, queryTimeoutMs } from "./db/pool.js";
import { createPrisma } from "./db/prisma.js";
import { startFleetSweep } from "./domain/fleet-sweep.js";
import { startHousekeeping } from "./domain/housekeeping.js";
import type { Services } from "./domain/services.js";
import { createMetrics } from "./http/metrics.js";
import { createHttpServer } from "./http/server.js";
import { loadMinio, loadNodemailer, loadStripe } from "./lazy-import.js";
import { createLicenseSigner } from "./license/issue-license.js";
import { keyHandoverCache } from "./license/key-handover.js";
import { loadSigningKeys, type SigningKeySet } from "./license/signing-keys.js";
import { startOutboxWorker } from "./mail/outbox-worker.js";
import { folderTransport, smtpTransport } from "./mail/transport.js";
import { createIsoLinks, localIsoDigests } from "./storage/iso-download.js";
import { startWebhookWorker } from "./webhooks/delivery-worker.js";

export interface ControlPlane {
  url: string;
  databaseUrl: string;
  embedded: boolean;
  services: Services;
  keys: SigningKeySet;
  pool: pg.Pool;
  /** the port serving /metrics when METRICS_PORT is set */
  metricsPort?: number;
  /** migrations applied at this start (empty: the database was current or MIGRATE_ON_START=false) */
  migrated: string[];
  /** drains requests, the outbox worker and the pool, stops the embedded database */
  stop(): Promise<void>;
  /** no drain: stops only what would outlive this process (the embedded database), before a forced exit */
  abort(): Promise<void>;
}

export interface StartOptions {
  outboxWorker?: boolean;
  /** false: no webhook delivery worker (tests that inspect queued deliveries) */
  webhookWorker?: boolean;
  /** the time the domain decides with (tests) */
  clock?: () => Date;
}

export async function startControlPlane(config: Config, log: Logger, opts: StartOptions = {}): Promise<ControlPlane> {
  const stops: { name: string; stop: () => void | Promise<void> }[] = [];
  const unwind = async () => {
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        log.warn({ err, component: name }, "error while stopping");
      }
    }
    stops.length = 0;
  };
  let abort = async () => {};
  try {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const embedded = await startEmbeddedDatabase(config.dataDir, (line) => log.debug({ postgres: line }, "embedded postgres"));
      stops.push({ name: "embedded database", stop: () => embedded.stop() });
      abort = () => embedded.stop();
      databaseUrl = embedded.url;
      log.info({ dataDir: config.dataDir }, "using the embedded PostgreSQL; set DATABASE_URL for a server");
    }
    const db = config.database;
    const pool = createPool(databaseUrl, {
      size: db.poolSize,
      timeoutMs: db.poolTimeoutMs,
      statementTimeoutMs: db.statementTimeoutMs,
      lockTimeoutMs: db.lockTimeoutMs,
      idleInTransactionTimeoutMs: db.idleInTransactionTimeoutMs,
      log,
    });
    stops.push({ name: "database pool", stop: () => pool.end() });
    // the longest a request waits on the database; no bounded use of a pool connection outlasts two
    const longestWaitMs = (queryTimeoutMs(db) ?? db.statementTimeoutMs) + db.poolTimeoutMs;
    const database = startDatabaseHealth(databaseUrl, pool, {
      probeTimeoutMs: db.probeTimeoutMs,
      poolSize: db.poolSize,
      recentMs: longestWaitMs,
      wedgedAfterMs: 2 * longestWaitMs,
      log: log.child({ component: "database" }),
    });
    stops.push({ name: "database probe", stop: () => database.stop() });
    const migrated = config.migrateOnStart ? await migrateIfNeeded(pool, databaseUrl, (line) => log.debug({ migrate: line }, "migrate")) : [];
    if (migrated.length) log.info({ migrations: migrated }, "database migrations applied");
    const prisma = createPrisma(pool);
    stops.push({ name: "prisma", stop: () => prisma.$disconnect() });

    const secret = loadServerSecret(config.serverSecret, config.dataDir);
    const keys = await loadSigningKeys({ configured: config.license.signingKeys, dataDir: config.dataDir });
    log.info({ kid: keys.signer.kid, alg: keys.signer.alg, source: keys.source }, "license signing key loaded");
    const metrics = config.metricsEnabled ? createMetrics(pool, { pool: { state: pool, size: db.poolSize }, commit: config.buildCommit }) : undefined;
    const transport = config.mail.smtpUrl ? smtpTransport(config.mail.smtpUrl) : folderTransport(config.mail.outboxDir);
    stops.push({ name: "mail transport", stop: () => transport.close() });
    const worker =
      opts.outboxWorker === false
        ? undefined
        : startOutboxWorker({
            db: pool,
            secret,
            send: transport,
            from: config.mail.from,
            maxAttempts: config.mail.maxAttempts,
            retryMaxSeconds: config.mail.retryMaxSeconds,
            pollMs: config.mail.pollMs,
            log: log.child({ component: "outbox" }),
          });
    if (worker) stops.push({ name: "outbox worker", stop: () => worker.stop() });
    const webhookWorker =
      opts.webhookWorker === false ? undefined : startWebhookWorker({ db: pool, secret, log: log.child({ component: "webhooks" }), ...config.webhooks });
    if (webhookWorker) stops.push({ name: "webhook worker", stop: () => webhookWorker.stop() });

    // known once the server listens (PORT=0 picks a free port)
    let listeningUrl = "";
    const publicUrl = () => config.publicUrl ?? listeningUrl;
    const isoDigests = localIsoDigests();
    const clock = opts.clock ?? (() => new Date());
    const keyHandover = keyHandoverCache(keys, () => config.license.issuer ?? publicUrl(), clock);
    const services: Services = {
      db: pool,
      prisma,
      secret,
      isoLinks: createIsoLinks(config, publicUrl, secret, isoDigests),
      signLicense: createLicenseSigner(keys, { issuer: () => config.license.issuer ?? publicUrl() }),
      licenseTtlSeconds: config.license.ttlSeconds,
      offline: {
        requestMaxAgeSeconds: config.offline.requestMaxAgeSeconds,
        signResponse: async (payload) => (await signOfflineResponse(payload, keys.signer)).jws,
        keyDocument: keyHandover as () => Promise<KeyDocument>,
      },
      installCodeTtlSeconds: config.installCodeTtlSeconds,
      entitlements: config.entitlements,
      publicUrl,
      redeemRateLimit: config.redeemRateLimit,
      clock,
      mailQueued: () => worker?.kick(),
      webhooks: { secretOverlapSeconds: config.webhooks.secretOverlapSeconds },
      webhooksQueued: () => webhookWorker?.kick(),
      redemptionOutcome: (outcome) => metrics?.redemption(outcome),
    };
    const housekeeping = startHousekeeping(
      pool,
      config.redeemRateLimit.windowSeconds,
      log.child({ component: "housekeeping" }),
      undefined,
      config.offline.requestMaxAgeSeconds,
    );
    stops.push({ name: "housekeeping", stop: () => housekeeping.stop() });
    if (config.fleet.sweepIntervalMs > 0) {
      const sweep = startFleetSweep(
        {
          db: pool,
          secret,
          policy: { ...config.fleet, graceSeconds: config.entitlements.graceSeconds },
          checkInUrl: () => `${publicUrl()}/graphql`,
          log: log.child({ component: "fleet-sweep" }),
          mailQueued: services.mailQueued,
          webhooksQueued: services.webhooksQueued,
        },
        { intervalMs: config.fleet.sweepIntervalMs, clock: services.clock },
      );
      stops.push({ name: "fleet sweep", stop: () => sweep.stop() });
    }

    const server = await createHttpServer({ config, services, keys, log, metrics, isoDigests, keyHandover, database });
    listeningUrl = await server.listen();
    // first to stop: no new requests, in-flight ones finish before the worker and the pool go
    stops.push({ name: "http server", stop: () => server.stop() });
    log.info({ url: listeningUrl, mail: config.mail.smtpUrl ? "smtp" : config.mail.outboxDir }, "alga-license API listening");
    // what the configuration will use, imported after listening rather than before (lazy-import.ts)
    setImmediate(() => {
      const warm = [loadNodemailer(), ...(config.s3 ? [loadMinio()] : []), ...(config.stripe.webhookSecret ? [loadStripe()] : [])];
      Promise.all(warm).catch((err: unknown) => log.error({ err }, "a module could not be loaded"));
    });
    return {
      url: listeningUrl,
      metricsPort: server.metricsPort(),
      databaseUrl,
      embedded: !config.databaseUrl,
      services,
      keys,
      pool,
      migrated,
      stop: unwind,
      abort,
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}
