// Issue 10 #6, #8 and #9: entitlements enforced at check-in, replicated misconfiguration refused,
// TLS verification of the database connection, indexes on every foreign key, request ids, control
// characters, the download route's error handling, and /metrics and introspection off the public path.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { poolConfigFromUrl } from "../api/src/db/connection-options.js";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../api/src/db/embedded-postgres.js";
import { CHECK_IN, codeOf, REDEEM, REGISTER, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { run } from "./helpers/processes.js";

const DAY = 86_400_000;

describe("6. entitlements are enforced at check-in", () => {
  let t: TestPlane;
  let now = Date.now();
  beforeAll(async () => {
    t = await startTestPlane({ ENTITLEMENT_GRACE_SECONDS: String(7 * 24 * 3600), LICENSE_TTL_SECONDS: String(30 * 24 * 3600) }, { clock: () => new Date(now) });
  });
  afterAll(() => t.stop());

  async function installed() {
    const reg = (
      await t.gql(REGISTER, { input: { companyName: "Ent Co", contactEmail: `ent-${Math.random()}@x.test`, edition: "PRO" } }, { token: t.keys.store })
    ).data.registerTenant;
    const red = (await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId: "ent-box" } })).data.redeemInstallCode;
    return { tenantId: reg.tenantId as string, credential: red.applianceCredential as string };
  }
  const checkIn = (credential: string) => t.gql(CHECK_IN, { input: { applianceId: "ent-box" } }, { token: credential });
  /** what billing would do: change the entitlement under the tenant's revision */
  const setEntitlement = (tenantId: string, status: string, validUntil: Date | null) =>
    t.plane.pool.query(
      `WITH e AS (UPDATE entitlement SET status = $2, valid_until = $3 WHERE tenant_id = $1)
       UPDATE tenant_registry SET revision = revision + 1 WHERE tenant_id = $1`,
      [tenantId, status, validUntil],
    );

  it("a cancelled entitlement yields no paid license: ENTITLEMENT_LAPSED, not the edition stored on the appliance", async () => {
    const a = await installed();
    expect((await checkIn(a.credential)).data?.checkIn.edition).toBe("PRO");
    await setEntitlement(a.tenantId, "CANCELLED", null);
    const res = await checkIn(a.credential);
    expect(codeOf(res)).toBe("ENTITLEMENT_LAPSED");
    expect(res.errors![0]!.extensions).toMatchObject({ edition: "ESSENTIALS", reason: "CANCELLED" });
  });

  it("validUntil is enforced: within grace the license ends at validUntil + grace; past grace it lapses", async () => {
    const a = await installed();
    const validUntil = new Date(now - 2 * DAY);
    await setEntitlement(a.tenantId, "ACTIVE", validUntil);
    const inGrace = await checkIn(a.credential);
    expect(new Date(inGrace.data.checkIn.expiresAt).getTime()).toBe(Math.floor((validUntil.getTime() + 7 * DAY) / 1000) * 1000);
    now += 6 * DAY; // past validUntil + 7 days
    expect(codeOf(await checkIn(a.credential))).toBe("ENTITLEMENT_LAPSED");
    now -= 6 * DAY;
  });
});

describe("8. a replicated API refuses local defaults", () => {
  it("REPLICATED=true without shared keys, secret, SMTP, database and S3 exits 2 naming them", async () => {
    const res = await run(process.execPath, ["api/dist/main.js"], {
      REPLICATED: "true",
      DATABASE_URL: "",
      SERVER_SECRET: "",
      LICENSE_SIGNING_KEYS: "",
      SMTP_URL: "",
      S3_ENDPOINT: "",
      PORT: "0",
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/REPLICATED: .*DATABASE_URL, SERVER_SECRET, LICENSE_SIGNING_KEYS, SMTP_URL, S3_ENDPOINT/);
  });
});

describe("9. database TLS: verify-ca and verify-full verify", () => {
  let dir: string;
  let db: EmbeddedPostgres;
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "alga-tls-"));
    chmodSync(dir, 0o755);
    // a CA, a server certificate for 127.0.0.1 signed by it, and an unrelated CA
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=alga test CA");
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=db.internal");
    writeFileSync(path.join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
    openssl(
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.crt",
      "-days",
      "2",
      "-extfile",
      "san.ext",
    );
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.crt", "-days", "2", "-subj", "/CN=other CA");
    const certs = path.join(dir, "certs");
    mkdirSync(certs);
    for (const f of ["server.crt", "server.key"]) writeFileSync(path.join(certs, f), execFileSync("cat", [path.join(dir, f)]));
    chmodSync(path.join(certs, "server.key"), 0o600);
    if (process.getuid?.() === 0) execFileSync("chown", ["-R", "postgres:postgres", certs]);
    db = await startEmbeddedPostgres({
      dataDir: path.join(dir, "pgdata"),
      ephemeral: true,
      settings: { ssl: "on", ssl_cert_file: path.join(certs, "server.crt"), ssl_key_file: path.join(certs, "server.key") },
    });
  }, 60_000);
  afterAll(async () => {
    await db?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function connects(params: string, host = "127.0.0.1"): Promise<true | string> {
    const u = new URL(db.url);
    u.hostname = host;
    const client = new pg.Client({ ...poolConfigFromUrl(`${u.toString()}?${params}`), connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      const { rows } = await client.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
      return rows[0]?.ssl === true ? true : "not encrypted";
    } catch (err) {
      return (err as Error).message;
    } finally {
      await client.end().catch(() => {});
    }
  }

  it("require encrypts without checking; verify-full checks the chain and the host; verify-ca the chain only", async () => {
    expect(await connects("sslmode=require")).toBe(true);
    expect(await connects(`sslmode=verify-full&sslrootcert=${path.join(dir, "ca.crt")}`)).toBe(true);
    expect(await connects(`sslmode=verify-full&sslrootcert=${path.join(dir, "other.crt")}`)).toMatch(/certificate|self.signed|verify/i);
    expect(await connects(`sslmode=verify-ca&sslrootcert=${path.join(dir, "other.crt")}`)).toMatch(/certificate|self.signed|verify/i);
    expect(await connects(`sslmode=verify-full&sslrootcert=${path.join(dir, "ca.crt")}`, "localhost")).toMatch(/does not match|altname|hostname/i);
    expect(await connects(`sslmode=verify-ca&sslrootcert=${path.join(dir, "ca.crt")}`, "localhost")).toBe(true);
  });
});

describe("9. the HTTP surface", () => {
  let t: TestPlane;
  beforeAll(async () => {
    t = await startTestPlane({ METRICS_PORT: "0", INTROSPECTION: "authenticated" });
  });
  afterAll(() => t.stop());

  it("every foreign key and hot lookup column is indexed", async () => {
    const { rows } = await t.plane.pool.query<{ tbl: string; cols: string }>(`
      SELECT c.conrelid::regclass::text AS tbl, string_agg(a.attname, ',' ORDER BY k.ord) AS cols
        FROM pg_constraint c
        CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
       WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
         AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid
                          AND (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1] = c.conkey)
       GROUP BY c.conrelid, c.conname`);
    expect(rows).toEqual([]);
  });

  it("a client's X-Request-Id is kept only when it is plainly an id; it reaches the audit row as sent", async () => {
    const send = (id: string) =>
      fetch(`${t.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${t.keys.store}`, "x-request-id": id },
        body: JSON.stringify({
          query: REGISTER,
          variables: { input: { companyName: "Req Id", contactEmail: `rid-${Math.random()}@x.test`, edition: "ESSENTIALS" } },
        }),
      });
    const good = await send("order-4711.retry:2");
    expect(good.headers.get("x-request-id")).toBe("order-4711.retry:2");
    const tenantId = ((await good.json()) as any).data.registerTenant.tenantId;
    expect((await t.plane.services.prisma.auditEvent.findFirstOrThrow({ where: { tenantId } })).requestId).toBe("order-4711.retry:2");
    for (const bad of ["<script>alert(1)</script>", "x".repeat(200), "a b", '{"json":1}']) {
      const res = await send(bad);
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      const id = ((await res.json()) as any).data.registerTenant.tenantId;
      expect((await t.plane.services.prisma.auditEvent.findFirstOrThrow({ where: { tenantId: id } })).requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(t.logs.some((l) => l.includes("<script>"))).toBe(false);
  });

  it("control characters in names are refused (they would reach the email body and terminals)", async () => {
    for (const companyName of ["Acme\u001b[2J", "Acme\nBcc: evil@x.test", "Acme\u0007", "Ac\u202eme"]) {
      const res = await t.gql(REGISTER, { input: { companyName, contactEmail: "ctl@x.test", edition: "PRO" } }, { token: t.keys.store });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "companyName" });
    }
    expect(await t.plane.services.prisma.tenantRegistry.count({ where: { contactEmail: "ctl@x.test" } })).toBe(0);
  });

  it("a failing ISO read answers an error and the process keeps serving (no unhandled stream error)", async () => {
    // local links: a plane without S3; the ISO path is a directory, so reading it fails
    const local = await startTestPlane({ S3_ENDPOINT: "" });
    try {
      const reg = (await local.gql(REGISTER, { input: { companyName: "Iso Dir", contactEmail: "iso@x.test", edition: "PRO" } }, { token: local.keys.store }))
        .data.registerTenant;
      mkdirSync(path.join(local.dataDir, "iso", "releases", "alga-appliance-1.0.iso"), { recursive: true });
      mkdirSync(path.join(local.dataDir, "iso", "alga-appliance-1.0.iso"), { recursive: true });
      const res = await fetch(reg.downloadUrl);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(await res.text()).not.toContain(local.dataDir);
      expect((await fetch(`${local.url}/healthz`)).status).toBe(200);
    } finally {
      await local.stop();
    }
  });

  it("METRICS_PORT moves /metrics off the public port", async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
    const port = t.plane.metricsPort;
    expect(port).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("alga_license_graphql_operations_total");
  });

  it("INTROSPECTION=authenticated: introspection needs an API key", async () => {
    const q = "{ __schema { queryType { name } } }";
    expect(codeOf(await t.gql(q))).toBe("UNAUTHENTICATED");
    expect(codeOf(await t.gql('{ __type(name: "Tenant") { name } }'))).toBe("UNAUTHENTICATED");
    expect((await t.gql(q, {}, { token: t.keys.support })).data.__schema.queryType.name).toBe("Query");
  });

  it('INTROSPECTION=authenticated: an anonymous caller learns no names from "Did you mean" suggestions; staff still get them', async () => {
    const typos: [string, Record<string, unknown>][] = [
      [`{ installCodeStatu(installCode: "x") { state } }`, {}], // a field
      [`{ installCodeStatus(installCod: "x") { state } }`, {}], // an argument
      [`query($c: Strin!) { installCodeStatus(installCode: $c) { state } }`, { c: "x" }], // a type
      [REDEEM, { input: { installCod: "ABCD-EFGH-JKMN", applianceId: "typo-box" } }], // an input field (variables)
      [`mutation { registerTenant(input: { companyName: "Typo", contactEmail: "typo@x.test", edition: PRR }) { tenantId } }`, {}], // an enum value
    ];
    for (const [query, variables] of typos) {
      const anonymous = await t.gql(query, variables);
      expect(anonymous.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(anonymous.errors!.map((e) => e.message).join(" ")).not.toMatch(/did you mean/i);
      const staff = await t.gql(query, variables, { token: t.keys.store });
      expect(staff.errors!.map((e) => e.message).join(" ")).toMatch(/did you mean/i);
    }
  });

  it("one rate-limited code check per request: 150 aliased installCodeStatus fields are refused before any database work", async () => {
    const clientAddress = "2001:db8::150";
    const aliases = Array.from({ length: 150 }, (_, i) => `s${i}: installCodeStatus(installCode: "ABCD-EFGH-${String(i).padStart(4, "0")}") { state }`).join(
      "\n",
    );
    const viaFragments = `query { ...A ...B } fragment A on Query { a: installCodeStatus(installCode: "X") { state } } fragment B on Query { b: installCodeStatus(installCode: "Y") { state } }`;
    for (const query of [`{ ${aliases} }`, viaFragments]) {
      const res = await t.gql(query, {}, { clientAddress });
      expect(res.data ?? null).toBeNull();
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "ONE_CODE_CHECK_PER_REQUEST" });
      expect(res.errors![0]!.message).toMatch(/one installCodeStatus/);
    }
    // nothing was reserved against the address's failure limit
    const { rows } = await t.plane.pool.query(`SELECT count FROM rate_limit_window WHERE key = $1`, [`redeem:${clientAddress}`]);
    expect(rows).toEqual([]);
    // one check per request is served as before
    expect(codeOf(await t.gql(`{ installCodeStatus(installCode: "ABCD-EFGH-0000") { state } }`, {}, { clientAddress }))).toBe("INVALID_INSTALL_CODE");
  });
});
