// All settings of the control plane, read from the environment and validated in one place.
// Every variable is documented in README.md ("Configuration").
import path from "node:path";
import { z } from "zod";

const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .optional()
    .transform((v) => (v === undefined ? fallback : ["true", "1", "yes"].includes(v)));

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== "" ? v.trim() : undefined));

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: optionalString,
  DATA_DIR: z.string().default("./.data"),
  PUBLIC_URL: optionalString,
  MIGRATE_ON_START: bool(true),
  S3_ENDPOINT: optionalString,
  S3_PUBLIC_ENDPOINT: optionalString,
  S3_REGION: z.string().default("us-east-1"),
  S3_ACCESS_KEY: optionalString,
  S3_SECRET_KEY: optionalString,
  ISO_BUCKET: z.string().default("appliance-iso"),
  ISO_KEY: z.string().default("alga-appliance.iso"),
  ISO_RELEASE_POINTER_KEY: optionalString,
  DOWNLOAD_URL_TTL_SECONDS: seconds(7 * 24 * 3600).refine((v) => v <= 7 * 24 * 3600, {
    message: "S3 presigned URLs cannot outlive 7 days (604800 s)",
  }),
  INSTALL_CODE_TTL_SECONDS: seconds(14 * 24 * 3600),
  LICENSE_TTL_SECONDS: seconds(30 * 24 * 3600),
  LICENSE_ISSUER: optionalString,
  SMTP_URL: optionalString,
  MAIL_FROM: z.string().default("Alga Licensing <licensing@localhost>"),
  MAIL_MAX_ATTEMPTS: z.coerce.number().int().positive().default(12),
  OUTBOX_POLL_MS: z.coerce.number().int().positive().default(2000),
  LICENSE_SIGNING_KEYS: optionalString,
  SERVER_SECRET: optionalString,
  REDEEM_MAX_FAILURES: z.coerce.number().int().positive().default(10),
  REDEEM_FAILURE_WINDOW_SECONDS: seconds(15 * 60),
  TRUST_PROXY: z.string().default("loopback"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  PLAYGROUND_ENABLED: bool(true),
  BODY_LIMIT: z.string().default("100kb"),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().positive().default(10),
  GRAPHQL_MAX_COMPLEXITY: z.coerce.number().int().positive().default(2000),
  METRICS_ENABLED: bool(true),
});

export type Config = ReturnType<typeof loadConfig>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const c = parsed.data;
  if (c.S3_ENDPOINT && (!c.S3_ACCESS_KEY || !c.S3_SECRET_KEY)) {
    throw new ConfigError("invalid configuration:\n  S3_ACCESS_KEY and S3_SECRET_KEY are required with S3_ENDPOINT");
  }
  const dataDir = path.resolve(c.DATA_DIR);
  // unset: derived from the listening address at start-up (see app.ts)
  const publicUrl = c.PUBLIC_URL?.replace(/\/+$/, "");
  return {
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    dataDir,
    publicUrl,
    migrateOnStart: c.MIGRATE_ON_START,
    s3: c.S3_ENDPOINT
      ? {
          endpoint: c.S3_ENDPOINT,
          publicEndpoint: c.S3_PUBLIC_ENDPOINT ?? c.S3_ENDPOINT,
          region: c.S3_REGION,
          accessKey: c.S3_ACCESS_KEY!,
          secretKey: c.S3_SECRET_KEY!,
        }
      : undefined,
    iso: { bucket: c.ISO_BUCKET, key: c.ISO_KEY, releasePointerKey: c.ISO_RELEASE_POINTER_KEY },
    downloadUrlTtlSeconds: c.DOWNLOAD_URL_TTL_SECONDS,
    installCodeTtlSeconds: c.INSTALL_CODE_TTL_SECONDS,
    license: { ttlSeconds: c.LICENSE_TTL_SECONDS, issuer: c.LICENSE_ISSUER, signingKeys: c.LICENSE_SIGNING_KEYS },
    mail: {
      smtpUrl: c.SMTP_URL,
      from: c.MAIL_FROM,
      outboxDir: path.join(dataDir, "outbox"),
      maxAttempts: c.MAIL_MAX_ATTEMPTS,
      pollMs: c.OUTBOX_POLL_MS,
    },
    serverSecret: c.SERVER_SECRET,
    redeemRateLimit: { maxFailures: c.REDEEM_MAX_FAILURES, windowSeconds: c.REDEEM_FAILURE_WINDOW_SECONDS },
    trustProxy: c.TRUST_PROXY,
    logLevel: c.LOG_LEVEL,
    playgroundEnabled: c.PLAYGROUND_ENABLED,
    bodyLimit: c.BODY_LIMIT,
    graphqlLimits: { maxDepth: c.GRAPHQL_MAX_DEPTH, maxComplexity: c.GRAPHQL_MAX_COMPLEXITY },
    metricsEnabled: c.METRICS_ENABLED,
  };
}
