// Assembles a running control plane from a Config: database (embedded or DATABASE_URL),
// migrations, keys, services, HTTP server and the outbox worker. Used by main.ts and the tests.
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { loadServerSecret } from "./crypto/server-secret.js";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "./db/embedded.js";
import { migrateDeploy } from "./db/migrate.js";
import { createPrisma } from "./db/prisma.js";
import { startHousekeeping } from "./domain/housekeeping.js";
import type { Services } from "./domain/services.js";
import { createHttpApp, listen } from "./http/app.js";
import { createMetrics } from "./http/metrics.js";
import { createLicenseIssuer } from "./license/issue-license.js";
import { loadSigningKeys } from "./license/signing-keys.js";
import { startOutboxWorker } from "./mail/outbox-worker.js";
import { folderTransport, smtpTransport } from "./mail/transport.js";
import { createIsoLinks } from "./storage/iso-download.js";

export interface ControlPlane {
  url: string;
  databaseUrl: string;
  embedded: boolean;
  services: Services;
  stop(): Promise<void>;
}

export async function startControlPlane(config: Config, log: Logger, opts: { outboxWorker?: boolean } = {}): Promise<ControlPlane> {
  // everything started is pushed here; stop() and a failed start unwind it in reverse
  const stops: (() => void | Promise<void>)[] = [];
  const unwind = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedDatabase(config.dataDir);
    stops.push(() => embedded!.stop());
    databaseUrl = embedded.url;
    log.info({ dataDir: config.dataDir }, "using the embedded PostgreSQL (PGlite); set DATABASE_URL for a server");
  }
  try {
    if (config.migrateOnStart) {
      await migrateDeploy(databaseUrl, (line) => log.debug({ migrate: line }, "migrate"));
      log.info("database migrations applied");
    }
    const prisma = createPrisma(databaseUrl, embedded ? 1 : undefined);
    stops.push(() => prisma.$disconnect());
    const secret = loadServerSecret(config.serverSecret, config.dataDir);
    const keys = await loadSigningKeys({ configured: config.license.signingKeys, dataDir: config.dataDir });
    log.info({ kid: keys.signer.kid, alg: keys.signer.alg, source: keys.source }, "license signing key loaded");
    const { httpServer, url } = await listen(config.port, config.host);
    stops.push(() => void httpServer.close());
    const publicUrl = config.publicUrl ?? url;
    const metrics = config.metricsEnabled ? createMetrics(prisma) : undefined;
    const transport = config.mail.smtpUrl ? smtpTransport(config.mail.smtpUrl) : folderTransport(config.mail.outboxDir);
    stops.push(() => transport.close());
    const worker =
      opts.outboxWorker === false
        ? undefined
        : startOutboxWorker({
            prisma,
            secret,
            send: transport,
            from: config.mail.from,
            maxAttempts: config.mail.maxAttempts,
            pollMs: config.mail.pollMs,
            log: log.child({ component: "outbox" }),
          });
    if (worker) stops.push(() => worker.stop());
    const services: Services = {
      prisma,
      secret,
      isoLinks: createIsoLinks(config, publicUrl, secret),
      issueLicense: createLicenseIssuer(keys, { issuer: config.license.issuer ?? publicUrl, ttlSeconds: config.license.ttlSeconds }),
      installCodeTtlSeconds: config.installCodeTtlSeconds,
      publicUrl,
      redeemRateLimit: config.redeemRateLimit,
      mailQueued: () => worker?.kick(),
      redemptionOutcome: (outcome) => metrics?.redemption(outcome),
    };
    const housekeeping = startHousekeeping(prisma, config.redeemRateLimit.windowSeconds, log.child({ component: "housekeeping" }));
    stops.push(() => housekeeping.stop());
    const http = await createHttpApp({ httpServer, config, services, keys, log, metrics });
    // drains in-flight requests first (and closes the server through Apollo's drain plugin)
    stops.push(() => http.stop());
    log.info({ url, mail: config.mail.smtpUrl ? "smtp" : config.mail.outboxDir }, "alga-license API listening");
    return {
      url,
      databaseUrl,
      embedded: !!embedded,
      services,
      stop: unwind,
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}
