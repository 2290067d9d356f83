// The control plane's settings (api/src/config.ts): each value parsed and checked in one place, every
// problem named at once with the variable and a valid example.
import { ConfigError, loadConfig, parseBytes, parsePriceEditions, parseTrustProxy } from "../../api/src/config.js";

/** The problems loadConfig reports for an environment (none: []). */
function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe("TRUST_PROXY: Express' trust proxy, checked", () => {
  it.each([
    ["true", true],
    ["FALSE", false],
    ["1", 1],
    ["0", 0],
    ["loopback", ["loopback"]],
    ["10.0.0.0/8", ["10.0.0.0/8"]],
    [" loopback , 10.0.0.0/8, 192.168.1.7 ", ["loopback", "10.0.0.0/8", "192.168.1.7"]],
    ["LinkLocal,uniquelocal", ["LinkLocal", "uniquelocal"]],
    ["::1,fd00::/8", ["::1", "fd00::/8"]],
    ["10.0.0.0/32", ["10.0.0.0/32"]],
    ["fd00::/128", ["fd00::/128"]],
  ])("%j → %j", (raw, trust) => {
    expect(parseTrustProxy(raw)).toEqual(trust);
  });

  it.each(["yes", "10.0.0.0/33", "fd00::/129", "10.0.0.0/8/1", "10.0.0/8", "ingress", "1.5", "10.0.0.0/x", ",", "-1"])(
    "%j is refused with an example",
    (raw) => {
      expect(parseTrustProxy(raw)).toMatch(
        /is not true, false, a hop count or a list of addresses\/CIDRs \(loopback, linklocal, uniquelocal allowed\), e\.g\. TRUST_PROXY=1/,
      );
    },
  );

  it("loadConfig: loopback by default; a bad value is a problem naming TRUST_PROXY", () => {
    expect(loadConfig({}).trustProxy).toEqual(["loopback"]);
    expect(loadConfig({ TRUST_PROXY: "2" }).trustProxy).toBe(2);
    expect(problems({ TRUST_PROXY: "ingress" })).toEqual([expect.stringMatching(/^TRUST_PROXY: "ingress" is not true, false/)]);
  });
});

describe("sizes and price mappings", () => {
  it.each([
    ["2048", 2048],
    ["100kb", 102_400],
    ["1MB", 1_048_576],
    [" 5 b ", 5],
    ["1.5mb", undefined],
    ["1gb", undefined],
    ["lots", undefined],
  ])("parseBytes(%j) → %p", (raw, bytes) => {
    expect(parseBytes(raw)).toBe(bytes);
  });

  it.each([
    ["price_1=PRO,price_2=premium", { price_1: "PRO", price_2: "PREMIUM" }],
    [" price_1 = pro , ", { price_1: "PRO" }],
    ["", {}],
  ])("parsePriceEditions(%j) → %j", (raw, map) => {
    expect(parsePriceEditions(raw)).toEqual(map);
  });

  it.each(["price_1=ESSENTIALS", "price_1", "=PRO", "price_1=PRO,price_2=GOLD"])("parsePriceEditions(%j) is refused naming the pair", (raw) => {
    expect(parsePriceEditions(raw)).toMatch(/is not <price id>=PRO or <price id>=PREMIUM, e\.g\. STRIPE_PRICE_EDITIONS=/);
  });
});

describe("loadConfig", () => {
  it("defaults for an empty environment", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 4000,
      host: "0.0.0.0",
      databaseUrl: undefined,
      migrateOnStart: true,
      replicated: false,
      bodyLimit: 102_400,
      introspection: "public",
      logLevel: "info",
      license: { ttlSeconds: 30 * 86_400 },
      entitlements: { graceSeconds: 14 * 86_400, seatOverflow: "retire-oldest" },
      mail: { maxAttempts: 12, retryMaxSeconds: 300, pollMs: 2000 },
      redeemRateLimit: { maxFailures: 10, windowSeconds: 900 },
      maxInflightRequests: 256,
    });
    expect(c.s3).toBeUndefined();
  });

  it.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ["a port out of range", { PORT: "70000" }, /^PORT: "70000" is not a whole number between 0 and 65535, e\.g\. PORT=4000$/],
    ["a word for a number", { MAIL_MAX_ATTEMPTS: "many" }, /^MAIL_MAX_ATTEMPTS: "many" is not a whole number 1 or more, e\.g\. MAIL_MAX_ATTEMPTS=12$/],
    ["a boolean", { MIGRATE_ON_START: "maybe" }, /^MIGRATE_ON_START: "maybe" is not a boolean: use true or false$/],
    ["one of a list", { INTROSPECTION: "sometimes" }, /^INTROSPECTION: "sometimes" is not one of public, authenticated, off$/],
    ["a URL without its scheme", { DATABASE_URL: "db:5432/alga" }, /^DATABASE_URL: "db:5432\/alga" must start with postgres:\/\/ or postgresql:\/\//],
    ["an unknown sslmode", { DATABASE_URL: "postgresql://db/alga?sslmode=always" }, /^DATABASE_URL: sslmode=always is not one of/],
    ["a short SERVER_SECRET", { SERVER_SECRET: "too-short" }, /^SERVER_SECRET: is 9 characters; use at least 32/],
    ["S3 without its keys", { S3_ENDPOINT: "http://minio:9000" }, /^S3_ACCESS_KEY\/S3_SECRET_KEY: both are required with S3_ENDPOINT$/],
    ["a size", { BODY_LIMIT: "huge" }, /^BODY_LIMIT: "huge" is not a size/],
    ["a signing key that is none", { LICENSE_SIGNING_KEYS: "not a key" }, /^LICENSE_SIGNING_KEYS: is neither a JWK/],
    [
      "download links longer than S3 allows",
      { DOWNLOAD_URL_TTL_SECONDS: String(8 * 86_400) },
      /^DOWNLOAD_URL_TTL_SECONDS: .* between 1 and 604800 \(seconds; S3 presigned URLs live at most 7 days\)/,
    ],
  ])("%s is a problem naming its variable", (_, env, message) => {
    expect(problems(env)).toEqual([expect.stringMatching(message)]);
  });

  it("every problem at once, and never a password from a URL", () => {
    const found = problems({ PORT: "x", BODY_LIMIT: "y", SMTP_URL: "ftp://user:hunter2@mail.example.com" });
    expect(found).toHaveLength(3);
    expect(found.join("\n")).not.toContain("hunter2");
    expect(found.join("\n")).toContain("ftp://user:***@mail.example.com");
  });

  it("a replicated deployment names every shared setting it lacks", () => {
    expect(problems({ REPLICATED: "true" })).toEqual([
      "REPLICATED: a replicated deployment needs shared settings; set DATABASE_URL, SERVER_SECRET, LICENSE_SIGNING_KEYS, SMTP_URL, S3_ENDPOINT (each replica would otherwise generate its own key, secret, database or mail folder)",
    ]);
  });
});
