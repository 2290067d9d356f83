// `npm start`: runs the API and the outbox worker until SIGTERM/SIGINT, then drains and exits.
import { startControlPlane } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./log.js";

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const plane = await startControlPlane(config, log);
  const keys = await plane.services.prisma.apiKey.count({ where: { revokedAt: null } });
  const lines = [
    `alga-license API: ${plane.url}/graphql`,
    `  JWKS:       ${plane.url}/.well-known/jwks.json`,
    `  health:     ${plane.url}/healthz  readiness: ${plane.url}/readyz`,
    config.playgroundEnabled ? `  playground: ${plane.url}/playground` : "",
    plane.embedded ? `  database:   embedded PostgreSQL in ${config.dataDir}/pgdata` : "  database:   DATABASE_URL",
    config.mail.smtpUrl ? "  mail:       SMTP" : `  mail:       .eml files in ${config.mail.outboxDir}`,
    keys === 0
      ? "No API key exists yet. Create one in another terminal (while this runs, with the embedded database):\n" +
        "  npm run api-key -- create --role admin --name first-admin"
      : `${keys} active API key(s). Create more with: npm run api-key -- create --role store|support|admin --name NAME`,
  ].filter(Boolean);
  process.stderr.write(`\n${lines.join("\n")}\n\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: draining requests and the outbox worker");
    const force = setTimeout(() => {
      log.error("shutdown timed out; exiting");
      process.exit(1);
    }, 15_000);
    force.unref();
    try {
      await plane.stop();
      log.info("stopped");
      process.exit(0);
    } catch (err) {
      log.error({ err }, "error while stopping");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  console.error("alga-license failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
});
