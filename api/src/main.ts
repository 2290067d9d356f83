// `npm start`: runs the API and the outbox worker until SIGTERM/SIGINT, then drains and exits 0.
// This module is the one owner of the process's signals and exit codes:
//   0 stopped cleanly, 1 failed, 2 invalid configuration / data folder in use / port taken.
import { countActiveApiKeys } from "./data/api-keys.js";
import { startControlPlane, type ControlPlane } from "./control-plane.js";
import { ConfigError, loadConfig, type Config } from "./config.js";
import { DataDirBusyError, lockDataDir, type DataDirLock } from "./db/data-dir-lock.js";
import { DATABASE_URL_REQUIRED, embeddedPostgresInstalled } from "./db/embedded-installed.js";
import { createLogger } from "./log.js";

function describeDatabase(config: Config, plane: ControlPlane): string {
  if (plane.embedded) return `embedded PostgreSQL in ${config.dataDir}/pgdata`;
  const u = new URL(plane.databaseUrl);
  return `${u.hostname}:${u.port || 5432}${u.pathname} (DATABASE_URL)`;
}

async function banner(config: Config, plane: ControlPlane): Promise<string> {
  // the banner is for a human: a busy pool (the workers start at the same moment) must not stop the API
  const keys = await countActiveApiKeys(plane.pool).catch(() => null);
  const metrics = config.metricsEnabled ? (plane.metricsPort !== undefined ? `port ${plane.metricsPort} /metrics (METRICS_PORT)` : `${plane.url}/metrics`) : "";
  const lines = [
    `alga-license API: ${plane.url}/graphql`,
    `  JWKS:       ${plane.url}/.well-known/jwks.json`,
    `  health:     ${plane.url}/healthz  readiness: ${plane.url}/readyz`,
    config.playgroundEnabled ? `  playground: ${plane.url}/playground/` : "",
    metrics ? `  metrics:    ${metrics}` : "",
    `  database:   ${describeDatabase(config, plane)}`,
    config.mail.smtpUrl ? "  mail:       SMTP (SMTP_URL)" : `  mail:       .eml files in ${config.mail.outboxDir}`,
    keys === null
      ? "API keys could not be counted (the database is busy). Create one with: npm run api-key -- create --role store|support|admin --name NAME"
      : keys === 0
        ? "No API key exists yet. Create one in another terminal (while this runs):\n  npm run api-key -- create --role admin --name first-admin"
        : `${keys} active API key(s). Create more with: npm run api-key -- create --role store|support|admin --name NAME`,
  ];
  return lines.filter(Boolean).join("\n");
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  if (!config.databaseUrl && !embeddedPostgresInstalled()) {
    console.error(`alga-license cannot start: ${DATABASE_URL_REQUIRED}`);
    process.exit(2);
  }
  const log = createLogger(config.logLevel);
  let lock: DataDirLock | undefined;
  let plane: ControlPlane;
  try {
    // the embedded database lives in DATA_DIR: one process at a time
    if (!config.databaseUrl) lock = lockDataDir(config.dataDir, "npm start (alga-license API)");
    plane = await startControlPlane(config, log);
  } catch (err) {
    lock?.release();
    const e = err as NodeJS.ErrnoException;
    if (err instanceof DataDirBusyError) {
      console.error(`alga-license cannot start: ${err.message}`);
      process.exit(2);
    }
    // a file in DATA_DIR standing in for a setting (server secret, signing keys) cannot be used
    if (err instanceof ConfigError) {
      console.error(`alga-license cannot start: ${err.message}`);
      process.exit(2);
    }
    if (e.code === "EADDRINUSE") {
      console.error(`alga-license cannot start: ${config.host}:${config.port} is already in use. Stop the other server or set PORT.`);
      process.exit(2);
    }
    console.error(`alga-license failed to start: ${e.message ?? err}`);
    log.error({ err }, "start-up failed");
    process.exit(1);
  }
  process.stderr.write(`\n${await banner(config, plane)}\n\n`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      // no drain, but the embedded PostgreSQL runs in a process group of its own: stop it, or it outlives us
      log.warn({ signal }, "second signal: exiting without draining");
      const code = signal === "SIGINT" ? 130 : 143;
      setTimeout(() => process.exit(code), 5000).unref();
      void plane.abort().finally(() => {
        lock?.release();
        process.exit(code);
      });
      return;
    }
    stopping = true;
    log.info({ signal }, "shutting down: draining requests and the outbox worker");
    const force = setTimeout(() => {
      log.error({ timeoutMs: config.shutdownTimeoutMs }, "shutdown timed out (SHUTDOWN_TIMEOUT_MS); exiting");
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    plane
      .stop()
      .then(() => {
        lock?.release();
        log.info("stopped");
        process.exit(0);
      })
      .catch((err: unknown) => {
        log.error({ err }, "error while stopping");
        process.exit(1);
      });
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

main().catch((err: unknown) => {
  console.error("alga-license failed:", err instanceof Error ? err.message : err);
  process.exit(1);
});
