// npm run bench — figures for the control plane's hot paths, over HTTP against a real PostgreSQL
// (BENCH_DATABASE_URL's server, default 127.0.0.1:5432; a scratch database is created and dropped).
// Prints latency percentiles and throughput; not a test, nothing is asserted.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { pino } from "pino";
import { startControlPlane } from "../api/src/control-plane.js";
import { loadConfig } from "../api/src/config.js";
import { createApiKey } from "../api/src/domain/api-keys.js";
import { createLicenseSigner } from "../api/src/license/issue-license.js";
import { loadSigningKeys } from "../api/src/license/signing-keys.js";

const ADMIN = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const N = Number(process.env.BENCH_N ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN });
  await c.connect();
  await c.query(sql);
  await c.end();
}

function report(name: string, ms: number[], wallMs: number) {
  const s = [...ms].sort((a, b) => a - b);
  const p = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(1);
  console.log(`${name.padEnd(34)} n=${String(s.length).padStart(4)}  p50 ${p(0.5).padStart(6)} ms  p95 ${p(0.95).padStart(6)} ms  p99 ${p(0.99).padStart(6)} ms  ${((s.length / wallMs) * 1000).toFixed(0).padStart(5)} ops/s`);
}

async function measure(name: string, count: number, concurrency: number, op: (i: number) => Promise<void>) {
  const times: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t0 = performance.now();
        await op(i);
        times.push(performance.now() - t0);
      }
    }),
  );
  report(name, times, performance.now() - started);
}

async function gql(url: string, query: string, variables: unknown, token?: string, ip?: string) {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...(ip ? { "x-forwarded-for": ip } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- shapes vary per operation
  const body = (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!;
}

const db = `alga_bench_${process.pid}`;
const dataDir = mkdtempSync(path.join(os.tmpdir(), "alga-bench-"));
await admin(`CREATE DATABASE ${db}`);
const url = new URL(ADMIN);
url.pathname = `/${db}`;
execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: url.toString() }, stdio: "ignore" });
const plane = await startControlPlane(
  loadConfig({ PORT: "0", HOST: "127.0.0.1", DATABASE_URL: url.toString(), DATA_DIR: dataDir, MIGRATE_ON_START: "false", LOG_LEVEL: "silent", REDEEM_MAX_FAILURES: "1000000" }),
  pino({ level: "silent" }),
  { outboxWorker: false },
);
try {
  console.log(`alga-license bench: N=${N}, concurrency ${CONCURRENCY}, Node ${process.version}, ${os.cpus().length} cores`);
  const store = (await createApiKey(plane.services.db, "STORE", "bench")).key;
  const support = (await createApiKey(plane.services.db, "SUPPORT", "bench")).key;

  const keys = await loadSigningKeys({ dataDir });
  const sign = createLicenseSigner(keys, { issuer: "bench" });
  const exp = new Date(Date.now() + 3600_000);
  await measure("license JWT sign (EdDSA, in-process)", 2000, 1, async (i) => void (await sign({ tenantId: "00000000-0000-4000-8000-000000000000", applianceId: `a${i}`, edition: "PRO", jti: `j${i}`, issuedAt: new Date(), expiresAt: exp })));

  const REGISTER = `mutation($i: RegisterTenantInput!) { registerTenant(input: $i) { tenantId installCode } }`;
  const codes: string[] = [];
  await measure("registerTenant (sequential)", Math.min(N, 100), 1, async (i) => {
    codes.push((await gql(plane.url, REGISTER, { i: { companyName: `Bench ${i}`, contactEmail: `s${i}@bench.test`, edition: "PRO" } }, store)).registerTenant.installCode);
  });
  await measure(`registerTenant (${CONCURRENCY} concurrent)`, N, CONCURRENCY, async (i) => {
    codes.push((await gql(plane.url, REGISTER, { i: { companyName: `Bench c${i}`, contactEmail: `c${i}@bench.test`, edition: "PRO" } }, store)).registerTenant.installCode);
  });

  const REDEEM = `mutation($i: RedeemInstallCodeInput!) { redeemInstallCode(input: $i) { tenantId applianceCredential } }`;
  const creds: { id: string; cred: string }[] = [];
  await measure(`redeemInstallCode (${CONCURRENCY} concurrent)`, codes.length, CONCURRENCY, async (i) => {
    const r = await gql(plane.url, REDEEM, { i: { installCode: codes[i], applianceId: `bench-${i}` } }, undefined, `10.1.${i >> 8}.${i & 255}`);
    creds.push({ id: `bench-${i}`, cred: r.redeemInstallCode.applianceCredential });
  });

  const one = await gql(plane.url, REGISTER, { i: { companyName: "Race", contactEmail: "race@bench.test", edition: "PRO" } }, store);
  const raceStart = performance.now();
  const race = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => gql(plane.url, REDEEM, { i: { installCode: one.registerTenant.installCode, applianceId: `race-${i}` } }, undefined, `10.9.0.${i}`)));
  console.log(`single use under 50 parallel redeems: ${race.filter((r) => r.status === "fulfilled").length} winner, ${race.filter((r) => r.status === "rejected").length} refused, ${(performance.now() - raceStart).toFixed(0)} ms`);

  const CHECK_IN = `mutation($i: CheckInInput!) { checkIn(input: $i) { expiresAt } }`;
  await measure(`checkIn (${CONCURRENCY} concurrent)`, creds.length, CONCURRENCY, async (i) => void (await gql(plane.url, CHECK_IN, { i: { applianceId: creds[i]!.id } }, creds[i]!.cred)));

  const PAGE = `query($after: String) { tenants(first: 50, after: $after) { totalCount pageInfo { endCursor } edges { node { id installCodes { state } appliances { lastCheckInAt } } } } }`;
  await measure("tenants page of 50 with relations", 100, 4, async () => void (await gql(plane.url, PAGE, {}, support)));
  await measure("tenants search (text filter)", 100, 4, async (i) => void (await gql(plane.url, `query($s: String) { tenants(first: 20, filter: { search: $s }) { totalCount } }`, { s: `c${i}@` }, support)));
} finally {
  await plane.stop();
  await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  rmSync(dataDir, { recursive: true, force: true });
}
