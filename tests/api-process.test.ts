// Issue 12, "The API process" and the API's CLIs, as an operator meets them: the real processes
// (compiled JavaScript), their exit codes and their messages.
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { codeOf, REDEEM, REGISTER, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { startApiProcess } from "./helpers/api-processes.js";
import { createScratchDatabase } from "./helpers/postgres.js";
import { run } from "./helpers/processes.js";

const start = (env: Record<string, string>) =>
  run(process.execPath, ["api/dist/main.js"], { PORT: "0", HOST: "127.0.0.1", DATA_DIR: "/tmp/alga-never-used", ...env });

describe("settings are validated in one place: exit 2, the variable named, a valid example given", () => {
  it.each([
    [
      "PUBLIC_URL",
      "license.example.com",
      /PUBLIC_URL: "license\.example\.com" is not a URL: write it with its scheme, e\.g\. PUBLIC_URL=https:\/\/license\.example\.com/,
    ],
    ["BODY_LIMIT", "lots", /BODY_LIMIT: "lots" is not a size: a number of bytes or e\.g\. 100kb, 1mb/],
    ["SMTP_URL", "nope", /SMTP_URL: "nope" is not a URL: write it with its scheme, e\.g\. SMTP_URL=smtps:\/\//],
    ["SMTP_URL", "http://mail.example.com", /SMTP_URL: .* must start with smtp:\/\/ or smtps:\/\//],
    ["LICENSE_SIGNING_KEYS", "garbage", /LICENSE_SIGNING_KEYS: is neither a JWK, a JWK array, a JWKS nor PKCS#8 PEM keys/],
    ["TRUST_PROXY", "banana", /TRUST_PROXY: "banana" is not true, false, a hop count or a list of addresses/],
    ["PORT", "eighty", /PORT: "eighty" is not a whole number between 0 and 65535/],
    ["DATABASE_URL", "mysql://db/x", /DATABASE_URL: .* must start with postgres:\/\/ or postgresql:\/\//],
    ["SERVER_SECRET", "short", /SERVER_SECRET: is 5 characters; use at least 32/],
    ["INTROSPECTION", "maybe", /INTROSPECTION: "maybe" is not one of public, authenticated, off/],
  ])("%s=%s", async (name, value, message) => {
    const res = await start({ [name]: value });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack
  });

  it("a password in a bad URL is never echoed", async () => {
    const res = await start({ SMTP_URL: "ftp://user:hunter2@mail.example.com" });
    expect(res.code).toBe(2);
    expect(res.stderr).not.toContain("hunter2");
  });

  it("several problems are reported together", async () => {
    const res = await start({ PORT: "x", BODY_LIMIT: "y" });
    expect(res.stderr).toMatch(/PORT: "x"/);
    expect(res.stderr).toMatch(/BODY_LIMIT: "y"/);
  });
});

describe("the banner says what runs", () => {
  it("with DATABASE_URL it names the server, not the embedded database", async () => {
    const db = await createScratchDatabase();
    const p = await startApiProcess({ DATABASE_URL: db.url, MIGRATE_ON_START: "false", LOG_LEVEL: "warn" });
    try {
      const banner = p.process.output();
      // the server the tests run on: 127.0.0.1:5432, or the suite's own embedded one on its own port
      const server = new URL(db.url);
      expect(banner).toContain(`database:   ${server.hostname}:${server.port || 5432}/${db.name} (DATABASE_URL)`);
      expect(db.name).toMatch(/^alga_t\d+_\w+$/);
      expect(banner).not.toContain("embedded");
    } finally {
      expect(await p.stop("SIGTERM")).toBe(0);
      await db.drop();
    }
  }, 60_000);
});

describe("npm run api-key", () => {
  const cli = (args: string[], env: Record<string, string>) => run(process.execPath, ["api/dist/cli/api-key.js", ...args], env);

  it("an unreachable database is one clear line, exit 1, no stack or driver dump", async () => {
    const res = await cli(["list"], { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/nothing" });
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).toMatch(/^api-key: cannot reach the database at 127\.0\.0\.1:1/);
    expect(res.stderr).not.toMatch(/invocation|\n\s+at |prisma/i);
  });

  it("revoke of something that is no key id or prefix is a usage error naming both forms; unknown ones exit 3", async () => {
    const db = await createScratchDatabase();
    try {
      const env = { DATABASE_URL: db.url };
      const nope = await cli(["revoke", "nope"], env);
      expect(nope.code).toBe(2);
      expect(nope.stderr).toMatch(/"nope" is neither a key id \(a UUID\) nor a key prefix/);
      expect(nope.stderr).not.toMatch(/invalid input syntax/);
      const unknown = await cli(["revoke", "alk_AAAAAAAAAAAA"], env);
      expect(unknown.code).toBe(3);
      expect(unknown.stderr).toMatch(/no active API key has the id or prefix alk_AAAAAAAAAAAA/);
      expect((await cli(["frobnicate"], env)).code).toBe(2);
      expect((await cli(["create", "--role", "root"], env)).code).toBe(2);
    } finally {
      await db.drop();
    }
  });
});

describe("messages that tell the truth", () => {
  let t: TestPlane;
  beforeAll(async () => {
    t = await startTestPlane({ REDEEM_MAX_FAILURES: "2" });
  });
  afterAll(() => t.stop());

  it("replaying a registration whose code was redeemed says so and points at reissue with the tenant id", async () => {
    const input = { companyName: "Replay Co", contactEmail: "replay@x.test", edition: "PRO", idempotencyKey: "order-replay-1" };
    const reg = (await t.gql(REGISTER, { input }, { token: t.keys.store })).data.registerTenant;
    expect((await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId: "r1" } })).errors).toBeUndefined();
    const again = await t.gql(REGISTER, { input }, { token: t.keys.store });
    expect(again.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "idempotencyKey", tenantId: reg.tenantId, reason: "CODE_REDEEMED" });
    expect(again.errors![0]!.message).toMatch(/already completed .* install code has since been redeemed.*reissueInstallCode/);
    expect(again.errors![0]!.message).not.toMatch(/expired/);
  });

  it("AMBIGUOUS_TENANT names the companies, not only ids", async () => {
    for (const companyName of ["Twin One", "Twin Two"]) {
      await t.gql(REGISTER, { input: { companyName, contactEmail: "twins@x.test", edition: "ESSENTIALS" } }, { token: t.keys.store });
    }
    const res = await t.gql(`mutation { reissueInstallCode(input: { contactEmail: "twins@x.test" }) { tenantId } }`, {}, { token: t.keys.store });
    expect(codeOf(res)).toBe("AMBIGUOUS_TENANT");
    expect(res.errors![0]!.message).toMatch(/Twin One \([0-9a-f-]{36}\), Twin Two \([0-9a-f-]{36}\)/);
    expect(res.errors![0]!.extensions!.tenants).toEqual([
      expect.objectContaining({ companyName: "Twin One" }),
      expect.objectContaining({ companyName: "Twin Two" }),
    ]);
  });

  it("RATE_LIMITED says the code itself may be fine and when to retry, with Retry-After", async () => {
    const from = "192.0.2.222";
    for (let i = 0; i < 2; i++) await t.gql(REDEEM, { input: { installCode: "ABCD-EFGH-JKMN-PQRS-TVWX", applianceId: "x" } }, { clientAddress: from });
    const res = await fetch(`${t.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": from },
      body: JSON.stringify({ query: REDEEM, variables: { input: { installCode: "ABCD-EFGH-JKMN-PQRS-TVWX", applianceId: "x" } } }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    const body = (await res.json()) as any;
    expect(body.errors[0].message).toMatch(/The code itself may be fine: try again in \d+ seconds \(after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)/);
  });
});

describe("the local ISO route", () => {
  let t: TestPlane;
  const iso = Buffer.alloc(256 * 1024, 7);
  const sha = createHash("sha256").update(iso).digest("hex");
  beforeAll(async () => {
    t = await startTestPlane({ S3_ENDPOINT: "", ISO_KEY: "alga-appliance.iso" });
    mkdirSync(path.join(t.dataDir, "iso"), { recursive: true });
    writeFileSync(path.join(t.dataDir, "iso", "alga-appliance.iso"), iso);
    writeFileSync(path.join(t.dataDir, "iso", "alga-appliance.iso.sha256"), `${sha}  alga-appliance.iso\n`);
  });
  afterAll(() => t.stop());

  const link = async () =>
    (await t.gql(REGISTER, { input: { companyName: "Iso", contactEmail: `iso-${Math.random()}@x.test`, edition: "PRO" } }, { token: t.keys.store })).data
      .registerTenant.downloadUrl as string;

  it("answers HEAD and GET with Content-Length, ETag, Accept-Ranges and the sha256; the email carries the sha256", async () => {
    const url = await link();
    const head = await fetch(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(iso.length));
    expect(head.headers.get("accept-ranges")).toBe("bytes");
    expect(head.headers.get("etag")).toBeTruthy();
    expect(head.headers.get("x-checksum-sha256")).toBe(sha);
    const full = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(createHash("sha256").update(full).digest("hex")).toBe(sha);
    const mail = await t.smtp.waitFor((m) => m.text?.includes(url.split("?")[0]!) ?? false);
    expect(mail.text).toContain(`SHA-256 of the ISO: ${sha}`);
  });

  it("resumes: Range answers 206 with the slice; If-Range with a stale ETag answers the whole file", async () => {
    const url = await link();
    const etag = (await fetch(url, { method: "HEAD" })).headers.get("etag")!;
    const part = await fetch(url, { headers: { range: "bytes=1000-1999", "if-range": etag } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 1000-1999/${iso.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(iso.subarray(1000, 2000));
    const stale = await fetch(url, { headers: { range: "bytes=1000-1999", "if-range": '"not-the-etag"' } });
    expect(stale.status).toBe(200);
    expect(Number(stale.headers.get("content-length"))).toBe(iso.length);
  });

  it("the first GET of a newly placed ISO (no sidecar) already has its sha256 and a strong ETag", async () => {
    const other = await startTestPlane({ S3_ENDPOINT: "", ISO_KEY: "fresh.iso" });
    try {
      const url = (await other.gql(REGISTER, { input: { companyName: "Fresh", contactEmail: "fresh@x.test", edition: "PRO" } }, { token: other.keys.store }))
        .data.registerTenant.downloadUrl;
      const fresh = Buffer.alloc(3 * 1024 * 1024, 3);
      const freshSha = createHash("sha256").update(fresh).digest("hex");
      mkdirSync(path.join(other.dataDir, "iso"), { recursive: true });
      writeFileSync(path.join(other.dataDir, "iso", "fresh.iso"), fresh);
      const first = await fetch(url);
      expect(first.status).toBe(200);
      expect(first.headers.get("x-checksum-sha256")).toBe(freshSha);
      expect(first.headers.get("repr-digest")).toBe(`sha-256=:${Buffer.from(freshSha, "hex").toString("base64")}:`);
      const etag = first.headers.get("etag")!;
      expect(etag).toBe(`"sha256-${freshSha}"`); // strong: no W/
      expect(
        createHash("sha256")
          .update(Buffer.from(await first.arrayBuffer()))
          .digest("hex"),
      ).toBe(freshSha);
      const part = await fetch(url, { headers: { range: "bytes=10-19", "if-range": etag } });
      expect(part.status).toBe(206);
      // (fetch adds Cache-Control: no-cache to a conditional request: a plain HTTP GET as a download manager sends it)
      const revalidated = await new Promise<number>((resolve, reject) => {
        http.get(url, { headers: { "if-none-match": etag } }, (r) => (r.resume(), resolve(r.statusCode!))).on("error", reject);
      });
      expect(revalidated).toBe(304);
    } finally {
      await other.stop();
    }
  });

  it("a missing ISO is 404 without the server's paths", async () => {
    const other = await startTestPlane({ S3_ENDPOINT: "", ISO_KEY: "missing.iso" });
    try {
      const url = (await other.gql(REGISTER, { input: { companyName: "NoIso", contactEmail: "noiso@x.test", edition: "PRO" } }, { token: other.keys.store }))
        .data.registerTenant.downloadUrl;
      const res = await fetch(url);
      expect(res.status).toBe(404);
      const text = await res.text();
      expect(text).not.toContain(other.dataDir);
      expect(text).not.toContain("/");
    } finally {
      await other.stop();
    }
  });
});
