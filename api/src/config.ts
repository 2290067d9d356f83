// All settings of the control plane, read from the environment and validated in one place. Each
// problem names the variable and what a valid value looks like; main.ts exits with code 2 on any.
// Every variable is documented in docs/OPERATIONS.md ("Configuration"; tests/configuration-docs checks it).
import { isIP } from "node:net";
import path from "node:path";
import { ConfigError } from "./config-error.js";
import { parseKeyMaterial } from "./license/signing-keys.js";
import { NOTICE_KINDS, type NoticeKind } from "./mail/notice-email.js";

export { ConfigError };

export type TrustProxy = boolean | number | string[];
export type Introspection = "public" | "authenticated" | "off";
export type SeatOverflow = "retire-oldest" | "refuse";
type Edition = "PRO" | "PREMIUM";

/** Reads one environment; collects every problem so a start-up names them all at once. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  raw(name: string): string | undefined {
    const v = this.env[name]?.trim();
    return v ? v : undefined;
  }
  fail(name: string, message: string): undefined {
    this.problems.push(`${name}: ${message}`);
    return undefined;
  }
  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string) {
    return this.raw(name) ?? fallback;
  }
  int(name: string, fallback: number, o: { min?: number; max?: number; unit?: string } = {}): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    const min = o.min ?? 1;
    const range = o.max !== undefined ? `between ${min} and ${o.max}` : `${min} or more`;
    if (!/^-?\d+$/.test(v) || n < min || (o.max !== undefined && n > o.max)) {
      return this.fail(name, `"${v}" is not a whole number ${range}${o.unit ? ` (${o.unit})` : ""}, e.g. ${name}=${fallback}`) ?? fallback;
    }
    return n;
  }
  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name)?.toLowerCase();
    if (v === undefined) return fallback;
    if (["true", "1", "yes", "on"].includes(v)) return true;
    if (["false", "0", "no", "off"].includes(v)) return false;
    return this.fail(name, `"${v}" is not a boolean: use true or false`) ?? fallback;
  }
  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if ((values as readonly string[]).includes(v)) return v as T;
    return this.fail(name, `"${v}" is not one of ${values.join(", ")}`) ?? fallback;
  }
  url(name: string, protocols: string[], example: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      return this.fail(name, `"${redactUrl(v)}" is not a URL: write it with its scheme, e.g. ${name}=${example}`);
    }
    if (!protocols.includes(u.protocol)) {
      return this.fail(name, `"${redactUrl(v)}" must start with ${protocols.map((p) => `${p}//`).join(" or ")}, e.g. ${name}=${example}`);
    }
    return v;
  }
}

/** Never echo a password in an error message. */
const redactUrl = (v: string) => v.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2 };

/** Stripe's API origin (STRIPE_API_URL's default). */
export const STRIPE_API_ORIGIN = "https://api.stripe.com";

/** "100kb", "1mb", "2048" → bytes */
export function parseBytes(v: string): number | undefined {
  const m = /^(\d+)\s*(b|kb|mb)?$/i.exec(v.trim());
  return m ? Number(m[1]) * UNITS[(m[2] ?? "b").toLowerCase()]! : undefined;
}

const PROXY_PRESETS = ["loopback", "linklocal", "uniquelocal"];

/** Express' trust proxy: true/false, a hop count, or a list of addresses, CIDRs and presets. */
export function parseTrustProxy(v: string): TrustProxy | string {
  const s = v.trim().toLowerCase();
  if (["true", "false"].includes(s)) return s === "true";
  if (/^\d+$/.test(s)) return Number(s);
  const entries = v
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = entries.filter((e) => {
    if (PROXY_PRESETS.includes(e.toLowerCase())) return false;
    const [addr, bits, extra] = e.split("/");
    if (extra !== undefined || !addr || !isIP(addr)) return true;
    if (bits === undefined) return false;
    return !/^\d+$/.test(bits) || Number(bits) > (isIP(addr) === 4 ? 32 : 128);
  });
  return bad.length || !entries.length
    ? `"${v}" is not true, false, a hop count or a list of addresses/CIDRs (${PROXY_PRESETS.join(", ")} allowed), e.g. TRUST_PROXY=1 or TRUST_PROXY=10.0.0.0/8`
    : entries;
}

/** "price_1=PRO,price_2=PREMIUM" → { price_1: "PRO", price_2: "PREMIUM" } */
export function parsePriceEditions(v: string): Record<string, Edition> | string {
  const out: Record<string, Edition> = {};
  for (const pair of v
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [price, edition] = pair.split("=").map((x) => x?.trim());
    const ed = edition?.toUpperCase();
    if (!price || (ed !== "PRO" && ed !== "PREMIUM"))
      return `"${pair}" is not <price id>=PRO or <price id>=PREMIUM, e.g. STRIPE_PRICE_EDITIONS=price_123=PRO,price_456=PREMIUM`;
    out[price] = ed;
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const r = new Reader(env);

  const databaseUrl = r.url("DATABASE_URL", ["postgres:", "postgresql:"], "postgresql://user:pass@db:5432/alga?sslmode=verify-full");
  const sslmode = databaseUrl ? new URL(databaseUrl).searchParams.get("sslmode") : null;
  if (sslmode && !["disable", "allow", "prefer", "require", "verify-ca", "verify-full", "no-verify"].includes(sslmode)) {
    r.fail("DATABASE_URL", `sslmode=${sslmode} is not one of disable, require, verify-ca, verify-full`);
  }
  const publicUrl = r.url("PUBLIC_URL", ["http:", "https:"], "https://license.example.com");
  if (publicUrl && /[?#]/.test(publicUrl)) r.fail("PUBLIC_URL", "must not carry a query or fragment");
  const s3Endpoint = r.url("S3_ENDPOINT", ["http:", "https:"], "http://minio:9000");
  const s3PublicEndpoint = r.url("S3_PUBLIC_ENDPOINT", ["http:", "https:"], "https://downloads.example.com");
  const s3AccessKey = r.string("S3_ACCESS_KEY");
  const s3SecretKey = r.string("S3_SECRET_KEY");
  if (s3Endpoint && (!s3AccessKey || !s3SecretKey)) r.fail("S3_ACCESS_KEY/S3_SECRET_KEY", "both are required with S3_ENDPOINT");
  const smtpUrl = r.url("SMTP_URL", ["smtp:", "smtps:"], "smtps://user:pass@smtp.example.com:465");

  const serverSecret = r.string("SERVER_SECRET");
  if (serverSecret !== undefined && serverSecret.length < 32) {
    r.fail("SERVER_SECRET", `is ${serverSecret.length} characters; use at least 32 (e.g. openssl rand -base64 48)`);
  }
  const signingKeys = r.string("LICENSE_SIGNING_KEYS");
  if (signingKeys) {
    try {
      const keys = parseKeyMaterial(signingKeys);
      if (!keys.some((k) => typeof k === "object" && k && "d" in k)) {
        r.fail("LICENSE_SIGNING_KEYS", "holds no private key: the first private JWK/PEM signs (`npm run signing-key -- generate` prints one)");
      }
    } catch {
      r.fail("LICENSE_SIGNING_KEYS", "is neither a JWK, a JWK array, a JWKS nor PKCS#8 PEM keys (`npm run signing-key -- generate` prints one)");
    }
  }

  const trustProxyRaw = r.string("TRUST_PROXY", "loopback");
  const trustProxyParsed = parseTrustProxy(trustProxyRaw);
  let trustProxy: TrustProxy = ["loopback"];
  if (typeof trustProxyParsed === "string") r.fail("TRUST_PROXY", trustProxyParsed);
  else trustProxy = trustProxyParsed;

  const bodyLimitRaw = r.string("BODY_LIMIT", "100kb");
  let bodyLimit = parseBytes(bodyLimitRaw) ?? 0;
  if (!bodyLimit) {
    r.fail("BODY_LIMIT", `"${bodyLimitRaw}" is not a size: a number of bytes or e.g. 100kb, 1mb`);
    bodyLimit = 100 * 1024;
  }

  const priceRaw = r.string("STRIPE_PRICE_EDITIONS");
  const priceParsed = priceRaw ? parsePriceEditions(priceRaw) : {};
  let priceEditions: Record<string, Edition> = {};
  if (typeof priceParsed === "string") r.fail("STRIPE_PRICE_EDITIONS", priceParsed);
  else priceEditions = priceParsed;

  // Reconciliation reads subscriptions from Stripe (billing/stripe-api.ts); a restricted key with
  // Subscriptions: read is enough. The package appends /v1/…, so the URL is an origin only.
  const stripeApiKey = r.string("STRIPE_API_KEY");
  if (stripeApiKey && !/^(sk|rk)_(test|live)_[0-9A-Za-z_]+$/.test(stripeApiKey)) {
    r.fail("STRIPE_API_KEY", "is not a Stripe secret or restricted key (sk_live_… or rk_live_…; a restricted key needs only Subscriptions: read)");
  }
  let stripeApiUrl = r.url("STRIPE_API_URL", ["http:", "https:"], STRIPE_API_ORIGIN) ?? STRIPE_API_ORIGIN;
  const apiUrl = new URL(stripeApiUrl);
  if (apiUrl.pathname !== "/" || apiUrl.search || apiUrl.hash || apiUrl.username || apiUrl.password) {
    r.fail("STRIPE_API_URL", `must be an origin only (scheme, host and optional port), e.g. STRIPE_API_URL=${STRIPE_API_ORIGIN}`);
    stripeApiUrl = STRIPE_API_ORIGIN;
  }
  const stripeApiTimeoutMs = r.int("STRIPE_API_TIMEOUT_MS", 5000, { min: 100, max: 60_000, unit: "milliseconds" });

  const metricsPortRaw = r.raw("METRICS_PORT");
  const metricsPort = metricsPortRaw === undefined ? undefined : r.int("METRICS_PORT", 9090, { min: 0, max: 65535 });

  const buildCommit = r.string("BUILD_COMMIT");
  if (buildCommit !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(buildCommit))
    r.fail("BUILD_COMMIT", "must be a commit id or tag: up to 64 letters, digits, '.', '_' or '-'");
  const replicated = r.bool("REPLICATED", false);
  const dataDir = path.resolve(r.string("DATA_DIR", "./.data"));
  const downloadUrlTtlSeconds = r.int("DOWNLOAD_URL_TTL_SECONDS", 7 * 24 * 3600, {
    max: 7 * 24 * 3600,
    unit: "seconds; S3 presigned URLs live at most 7 days",
  });

  const statementTimeoutMs = r.int("DATABASE_STATEMENT_TIMEOUT_MS", 15_000, { unit: "milliseconds" });
  const headersTimeoutMs = r.int("HEADERS_TIMEOUT_MS", 10_000, { unit: "milliseconds" });
  const requestTimeoutMs = r.int("REQUEST_TIMEOUT_MS", 30_000, { unit: "milliseconds" });
  if (requestTimeoutMs < headersTimeoutMs)
    r.fail("REQUEST_TIMEOUT_MS", `${requestTimeoutMs} is shorter than HEADERS_TIMEOUT_MS (${headersTimeoutMs}): the whole request includes its headers`);
  const maxConnections = r.int("MAX_CONNECTIONS", 2048);
  const maxConnectionsPerAddress = r.int("MAX_CONNECTIONS_PER_ADDRESS", 64);
  if (maxConnectionsPerAddress > maxConnections)
    r.fail("MAX_CONNECTIONS_PER_ADDRESS", `${maxConnectionsPerAddress} is more than MAX_CONNECTIONS (${maxConnections})`);

  // Fleet awareness: health, notices, seat release, outbound webhooks (docs/EVENTS.md, docs/FLEET.md).
  const noticesRaw = r.string("NOTICES", NOTICE_KINDS.join(","));
  const noticeList =
    noticesRaw.trim().toLowerCase() === "none"
      ? []
      : noticesRaw
          .split(",")
          .map((k) => k.trim())
          .filter(Boolean);
  const unknownNotices = noticeList.filter((k) => !(NOTICE_KINDS as readonly string[]).includes(k));
  if (unknownNotices.length)
    r.fail("NOTICES", `unknown notice kind(s) ${unknownNotices.join(", ")}: use a comma-separated list of ${NOTICE_KINDS.join(", ")}, or none`);
  const seatReleaseDays = r.raw("SEAT_RELEASE_AFTER_DAYS") === undefined ? null : r.int("SEAT_RELEASE_AFTER_DAYS", 30, { unit: "days" });
  const fleet = {
    /** no check-in this long: OVERDUE */
    overdueAfterMs: r.int("APPLIANCE_OVERDUE_HOURS", 72, { unit: "hours" }) * 3600_000,
    /** 0: no sweep in this process */
    sweepIntervalMs: r.int("FLEET_SWEEP_INTERVAL_MS", 60_000, { min: 0, unit: "milliseconds; 0 turns the sweep off in this replica" }),
    notices: new Set(noticeList.filter((k): k is NoticeKind => (NOTICE_KINDS as readonly string[]).includes(k))),
    licenseExpiringMs: r.int("NOTICE_LICENSE_EXPIRING_DAYS", 14, { unit: "days" }) * 86_400_000,
    seatReleaseAfterMs: seatReleaseDays === null ? null : seatReleaseDays * 86_400_000,
  };
  const webhooks = {
    maxAttempts: r.int("WEBHOOK_MAX_ATTEMPTS", 10),
    retryBaseMs: r.int("WEBHOOK_RETRY_BASE_MS", 30_000, { unit: "milliseconds" }),
    retryMaxSeconds: r.int("WEBHOOK_RETRY_MAX_SECONDS", 6 * 3600, { unit: "seconds" }),
    timeoutMs: r.int("WEBHOOK_TIMEOUT_MS", 10_000, { max: 100_000, unit: "milliseconds" }),
    pollMs: r.int("WEBHOOK_POLL_MS", 2000, { unit: "milliseconds" }),
    secretOverlapSeconds: r.int("WEBHOOK_SECRET_OVERLAP_SECONDS", 24 * 3600, { min: 0, unit: "seconds" }),
  };

  const config = {
    port: r.int("PORT", 4000, { min: 0, max: 65535 }),
    host: r.string("HOST", "0.0.0.0"),
    databaseUrl,
    dataDir,
    /** unset: derived from the listening address at start-up */
    publicUrl: publicUrl?.replace(/\/+$/, ""),
    migrateOnStart: r.bool("MIGRATE_ON_START", true),
    replicated,
    database: {
      poolSize: r.int("DATABASE_POOL_SIZE", 10, { max: 500 }),
      /** waiting longer than this for a connection answers SERVICE_BUSY */
      poolTimeoutMs: r.int("DATABASE_POOL_TIMEOUT_MS", 3000, { unit: "milliseconds" }),
      statementTimeoutMs,
      /** waiting longer for a row lock fails the statement (SERVICE_BUSY): one tenant's held row costs only its callers */
      lockTimeoutMs: r.int("DATABASE_LOCK_TIMEOUT_MS", 2000, { unit: "milliseconds" }),
      /** the server ends a session idle this long inside a transaction (its client gone) and frees its rows */
      idleInTransactionTimeoutMs: r.int("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", 5000, { unit: "milliseconds" }),
      /** readiness' own connection answers SELECT 1 within this, or the database counts as unreachable */
      probeTimeoutMs: r.int("DATABASE_PROBE_TIMEOUT_MS", 1000, { unit: "milliseconds" }),
    },
    s3: s3Endpoint
      ? {
          endpoint: s3Endpoint,
          publicEndpoint: s3PublicEndpoint ?? s3Endpoint,
          region: r.string("S3_REGION", "us-east-1"),
          accessKey: s3AccessKey ?? "",
          secretKey: s3SecretKey ?? "",
        }
      : undefined,
    iso: {
      bucket: r.string("ISO_BUCKET", "appliance-iso"),
      key: r.string("ISO_KEY", "alga-appliance.iso"),
      releasePointerKey: r.string("ISO_RELEASE_POINTER_KEY"),
    },
    downloadUrlTtlSeconds,
    installCodeTtlSeconds: r.int("INSTALL_CODE_TTL_SECONDS", 14 * 24 * 3600, { unit: "seconds" }),
    license: {
      ttlSeconds: r.int("LICENSE_TTL_SECONDS", 30 * 24 * 3600, { unit: "seconds" }),
      issuer: r.string("LICENSE_ISSUER"),
      signingKeys,
    },
    offline: {
      /** an offline request file older than this (by its own date) is refused as stale */
      requestMaxAgeSeconds: r.int("OFFLINE_REQUEST_MAX_AGE_DAYS", 30, { max: 365, unit: "days" }) * 86400,
    },
    entitlements: {
      /** PAST_DUE entitlements keep licensing this long after validUntil */
      graceSeconds: r.int("ENTITLEMENT_GRACE_SECONDS", 14 * 24 * 3600, { min: 0, unit: "seconds" }),
      seatOverflow: r.oneOf<SeatOverflow>("SEAT_OVERFLOW", ["retire-oldest", "refuse"], "retire-oldest"),
    },
    stripe: {
      webhookSecret: r.string("STRIPE_WEBHOOK_SECRET"),
      priceEditions,
      /** unset (no STRIPE_API_KEY): events are ordered by their timestamps alone */
      api: stripeApiKey ? { apiKey: stripeApiKey, apiUrl: new URL(stripeApiUrl).origin, timeoutMs: stripeApiTimeoutMs } : undefined,
    },
    mail: {
      smtpUrl,
      from: r.string("MAIL_FROM", "Alga Licensing <licensing@localhost>"),
      outboxDir: path.join(dataDir, "outbox"),
      maxAttempts: r.int("MAIL_MAX_ATTEMPTS", 12),
      /** cap of the retry backoff, so a drain resumes soon after SMTP returns */
      retryMaxSeconds: r.int("MAIL_RETRY_MAX_SECONDS", 300, { unit: "seconds" }),
      pollMs: r.int("OUTBOX_POLL_MS", 2000, { unit: "milliseconds" }),
    },
    serverSecret,
    redeemRateLimit: {
      maxFailures: r.int("REDEEM_MAX_FAILURES", 10),
      windowSeconds: r.int("REDEEM_FAILURE_WINDOW_SECONDS", 15 * 60, { unit: "seconds" }),
    },
    trustProxy,
    logLevel: r.oneOf("LOG_LEVEL", ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const, "info"),
    playgroundEnabled: r.bool("PLAYGROUND_ENABLED", true),
    introspection: r.oneOf<Introspection>("INTROSPECTION", ["public", "authenticated", "off"], "public"),
    bodyLimit,
    graphqlLimits: {
      maxDepth: r.int("GRAPHQL_MAX_DEPTH", 10),
      maxComplexity: r.int("GRAPHQL_MAX_COMPLEXITY", 2000),
      maxBreadth: r.int("GRAPHQL_MAX_BREADTH", 300),
      maxTokens: r.int("GRAPHQL_MAX_TOKENS", 5000),
    },
    metricsEnabled: r.bool("METRICS_ENABLED", true),
    /** the commit this build came from, for alga_license_build_info (set by the image build or CI) */
    buildCommit,
    /** unset: /metrics on the main port */
    metricsPort,
    maxInflightRequests: r.int("MAX_INFLIGHT_REQUESTS", 256),
    /** what a client may take to send a request, and how many connections it may hold (http/intake.ts) */
    intake: { headersTimeoutMs, requestTimeoutMs, maxConnections, maxConnectionsPerAddress },
    shutdownTimeoutMs: r.int("SHUTDOWN_TIMEOUT_MS", 10_000, { unit: "milliseconds" }),
    fleet,
    webhooks,
  };

  // Replicas share nothing but PostgreSQL: local keys, secrets, mail folders and ISO files would differ per pod.
  if (replicated) {
    const missing = [
      !databaseUrl && "DATABASE_URL",
      !serverSecret && "SERVER_SECRET",
      !signingKeys && "LICENSE_SIGNING_KEYS",
      !smtpUrl && "SMTP_URL",
      !s3Endpoint && "S3_ENDPOINT",
    ].filter(Boolean);
    if (missing.length) {
      r.fail(
        "REPLICATED",
        `a replicated deployment needs shared settings; set ${missing.join(", ")} (each replica would otherwise generate its own key, secret, database or mail folder)`,
      );
    }
  }
  if (r.problems.length) throw new ConfigError(r.problems);
  return config;
}

export type Config = ReturnType<typeof loadConfig>;
