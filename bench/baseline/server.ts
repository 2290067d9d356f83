// The raw baseline: plain node:http + pg + jose, no Express, Apollo or Prisma. For each bench scenario
// (chosen by the x-bench-op header; the GraphQL body is only read for its variables) it sends
// PostgreSQL the statements the API sends (./sql.ts), does the same cryptography (digests, the sealed
// email, the EdDSA license signature) and answers a similar JSON. It validates nothing else: it is a
// yardstick for what the API's layers cost, not a second implementation.
//
// env: DATABASE_URL, PORT (0 = any), DATABASE_POOL_SIZE (10, as the API), SERVER_SECRET,
// LICENSE_SIGNING_KEYS (a JSON array of private JWKs; the first signs), LICENSE_TTL_SECONDS.
import { createCipheriv, createHash, createHmac, hkdfSync, randomBytes, randomInt, randomUUID, timingSafeEqual } from "node:crypto";
import http from "node:http";
import {
  CODE_ALPHABET,
  CODE_PAYLOAD_LENGTH,
  checkInstallCode,
  checkSymbol,
  EDITION_FEATURES,
  formatInstallCode,
  isEdition,
  LICENSE_FORMAT_VERSION,
} from "@alga-license/contract";
import { calculateJwkThumbprint, importJWK, SignJWT, type JWK } from "jose";
import pg from "pg";
import { isLive } from "../../api/src/domain/entitlements/states.js";
import type { EntitlementStatus } from "../../api/src/generated/prisma/enums.js";
import * as SQL from "./sql.js";

const env = process.env;
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: Number(env.DATABASE_POOL_SIZE ?? 10), application_name: "alga-bench-baseline" });
const material = Buffer.from(env.SERVER_SECRET ?? "", "utf8");
const subkey = (purpose: string) => Buffer.from(hkdfSync("sha256", material, "alga-license", purpose, 32));
const codeKey = subkey("hmac:install-code");
const linkKey = subkey("hmac:download-link");
const sealKey = subkey("seal");
const jwk = (JSON.parse(env.LICENSE_SIGNING_KEYS ?? "[]") as JWK[])[0]!;
const signingKey = await importJWK(jwk, "EdDSA");
const kid = jwk.kid ?? (await calculateJwkThumbprint(jwk));
const ttlMs = Number(env.LICENSE_TTL_SECONDS ?? 30 * 24 * 3600) * 1000;
let publicUrl = "";

const sha256 = (v: string) => createHash("sha256").update(v).digest("hex");
const seal = (plaintext: string) => {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealKey, iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
};

class Refusal extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

interface Caller {
  authorization: string | undefined;
  address: string;
  requestId: string;
}

type Vars = Record<string, Record<string, unknown> | string | number | undefined>;

function signLicense(c: { tenantId: string; applianceId: string; edition: string; jti: string; now: Date; expiresAt: Date }) {
  return new SignJWT({ ver: LICENSE_FORMAT_VERSION, edition: c.edition, features: isEdition(c.edition) ? [...EDITION_FEATURES[c.edition]] : [] })
    .setProtectedHeader({ alg: "EdDSA", kid, typ: "JWT" })
    .setIssuer(publicUrl)
    .setSubject(c.applianceId)
    .setAudience(c.tenantId)
    .setIssuedAt(Math.floor(c.now.getTime() / 1000))
    .setExpirationTime(Math.floor(c.expiresAt.getTime() / 1000))
    .setJti(c.jti)
    .sign(signingKey);
}

/** The license expiry an entitlement allows (license-terms.ts, without the lapsed cases the bench never meets). */
function expiry(e: { status: EntitlementStatus; validUntil: Date | null } | null, now: Date): Date | null {
  if (!isLive(e)) return null;
  const end = Math.min(now.getTime() + ttlMs, e.validUntil ? e.validUntil.getTime() + 14 * 24 * 3600_000 : Infinity);
  return new Date(Math.floor(end / 1000) * 1000);
}

async function staffKey(c: Caller): Promise<{ id: string; role: string }> {
  const m = /^Bearer\s+((alk_[A-Za-z0-9]{12})_[A-Za-z0-9_-]{43})$/.exec(c.authorization ?? "");
  if (!m) throw new Refusal("UNAUTHENTICATED");
  const { rows } = await pool.query<{ id: string; role: string; digest: string; lastUsedAt: Date | null; revokedAt: Date | null }>(SQL.FIND_API_KEY, [m[2]]);
  const row = rows[0];
  if (!row || row.revokedAt || !timingSafeEqual(Buffer.from(sha256(m[1]!), "hex"), Buffer.from(row.digest, "hex"))) throw new Refusal("UNAUTHENTICATED");
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) void pool.query(SQL.TOUCH_API_KEY, [row.id]).catch(() => {});
  return row;
}

async function transaction<T>(fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const tx = await pool.connect();
  try {
    await tx.query("BEGIN");
    const result = await fn(tx);
    await tx.query("COMMIT");
    return result;
  } catch (err) {
    await tx.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    tx.release();
  }
}

async function checkIn(c: Caller, v: Vars) {
  const input = v.input as { applianceId: string; applianceVersion?: string };
  const token = /^Bearer\s+(alc_\S+)$/.exec(c.authorization ?? "")?.[1];
  if (!token) throw new Refusal("UNAUTHENTICATED");
  const { rows } = await pool.query(SQL.FIND_SESSION, [sha256(token)]);
  const s = rows[0];
  if (!s) throw new Refusal("UNAUTHENTICATED");
  if (s.applianceId !== input.applianceId) throw new Refusal("FORBIDDEN");
  const now = new Date();
  const expiresAt = expiry(s.e_id ? { status: s.e_status, validUntil: s.e_validUntil } : null, now);
  if (!expiresAt) throw new Refusal("ENTITLEMENT_LAPSED");
  const jti = randomUUID();
  const version = input.applianceVersion ?? null;
  const details = { applianceId: s.applianceId, applianceVersion: version, licenseJti: jti, edition: s.e_edition, inGrace: false };
  const written = await pool.query<{ ok: boolean }>(SQL.RECORD_CHECK_IN, [
    s.applianceRowId,
    s.tenantId,
    s.tenantRevision,
    s.e_edition,
    jti,
    expiresAt,
    version,
    now,
    s.applianceId,
    JSON.stringify(details),
    c.requestId,
    s.credentialDigest,
  ]);
  if (!written.rows[0]?.ok) throw new Refusal("SERVICE_BUSY");
  const jwt = await signLicense({ tenantId: s.tenantId, applianceId: s.applianceId, edition: s.e_edition, jti, now, expiresAt });
  return { checkIn: { token: jwt, expiresAt: expiresAt.toISOString(), tenantId: s.tenantId, edition: s.e_edition } };
}

async function redeemInstallCode(c: Caller, v: Vars) {
  const input = v.input as { installCode: string; applianceId: string };
  const now = new Date();
  const key = `redeem:${c.address}`;
  const reservation = (await pool.query<{ count: number; windowStart: Date }>(SQL.RESERVE_ATTEMPT, [key, now, 900])).rows[0]!;
  const check = checkInstallCode(input.installCode);
  if (!check.ok) throw new Refusal("INVALID_INSTALL_CODE");
  const found = (await pool.query(SQL.FIND_CODE_BY_DIGEST, [createHmac("sha256", codeKey).update(check.canonical).digest("hex")])).rows[0];
  if (!found || found.revokedAt || found.consumedAt || found.expiresAt <= now) throw new Refusal("INVALID_INSTALL_CODE");
  const credential = "alc_" + randomBytes(32).toString("base64url");
  const jti = randomUUID();
  const done = await transaction(async (tx) => {
    const tenant = (await tx.query(SQL.LOCK_TENANT, [found.tenantId])).rows[0];
    if (!tenant) throw new Refusal("INVALID_INSTALL_CODE");
    if ((await tx.query(SQL.CONSUME_CODE, [found.id, input.applianceId, now])).rowCount !== 1) throw new Refusal("CONSUMED_INSTALL_CODE");
    const entitlement = (await tx.query(SQL.CURRENT_ENTITLEMENT, [tenant.id])).rows[0] ?? null;
    const expiresAt = expiry(entitlement, now);
    if (expiresAt) {
      const others = (await tx.query(SQL.SEAT_VIEW, [tenant.id, input.applianceId])).rows.filter((a) => a.applianceId !== input.applianceId);
      if (others.length + 1 > entitlement.seats) throw new Refusal("SEAT_LIMIT_REACHED");
    }
    const edition = expiresAt ? entitlement.edition : "ESSENTIALS";
    const appliance = (
      await tx.query(SQL.UPSERT_APPLIANCE, [
        tenant.id,
        input.applianceId,
        edition,
        expiresAt ? sha256(credential) : null,
        expiresAt ? jti : null,
        expiresAt,
        now,
      ])
    ).rows[0];
    await tx.query(SQL.MARK_INSTALLED, [tenant.id, now]);
    await tx.query(SQL.WIPE_SEALED_CODES, [[found.id]]);
    const details = {
      installCodeId: found.id,
      applianceId: input.applianceId,
      applianceRowId: appliance.id,
      reinstalled: appliance.reinstalled,
      edition,
      licenseJti: expiresAt ? jti : null,
    };
    await tx.query(SQL.INSERT_AUDIT, ["anonymous", null, "install_code.redeemed", tenant.id, JSON.stringify(details), c.requestId, now]);
    return { tenant, edition, expiresAt, reinstalled: appliance.reinstalled as boolean };
  });
  await pool.query(SQL.RELEASE_ATTEMPT, [key, reservation.windowStart]).catch(() => {});
  const { tenant, edition, expiresAt } = done;
  const firstJwt = expiresAt ? await signLicense({ tenantId: tenant.id, applianceId: input.applianceId, edition, jti, now, expiresAt }) : null;
  return {
    redeemInstallCode: {
      tenantId: tenant.id,
      edition,
      companyName: tenant.companyName,
      contactEmail: tenant.contactEmail,
      applianceCredential: expiresAt ? credential : null,
      firstJwt,
      checkInUrl: expiresAt ? `${publicUrl}/graphql` : null,
      licenseExpiresAt: expiresAt?.toISOString() ?? null,
      reinstalled: done.reinstalled,
    },
  };
}

function newInstallCode(): string {
  let payload = "";
  for (let i = 0; i < CODE_PAYLOAD_LENGTH; i++) payload += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return formatInstallCode(payload + checkSymbol(payload));
}

async function registerTenant(c: Caller, v: Vars) {
  const key = await staffKey(c);
  if (key.role !== "STORE") throw new Refusal("FORBIDDEN");
  const input = v.input as { companyName: string; contactEmail: string; edition: string; idempotencyKey?: string };
  const data = {
    companyName: input.companyName.trim(),
    contactEmail: input.contactEmail.trim(),
    edition: input.edition,
    deploymentType: "APPLIANCE",
    stripeCustomerId: null,
    stripeSubscriptionId: null,
  };
  const scope = `api-key:${key.id}`;
  const requestDigest = sha256(JSON.stringify(data));
  if (input.idempotencyKey && (await pool.query(SQL.FIND_IDEMPOTENCY, [scope, input.idempotencyKey])).rows[0]) throw new Refusal("REPLAY_NOT_BENCHED");
  const now = new Date();
  const linkExpiresAt = new Date(now.getTime() + 7 * 24 * 3600_000);
  const linkMac = createHmac("sha256", linkKey).update(`alga-appliance.iso:${linkExpiresAt.getTime()}`).digest("hex");
  const downloadUrl = `${publicUrl}/downloads/alga-appliance.iso?expires=${linkExpiresAt.getTime()}&sig=${linkMac}`;
  return transaction(async (tx) => {
    const tenant = (await tx.query(SQL.INSERT_TENANT, [data.companyName, data.contactEmail, data.edition, data.deploymentType, null, now])).rows[0];
    const entitlement = (await tx.query(SQL.INSERT_ENTITLEMENT, [tenant.id, data.edition, "ACTIVE", null, null, null, 1, null, now])).rows[0];
    const installCode = newInstallCode();
    const codeExpiresAt = new Date(now.getTime() + 14 * 24 * 3600_000);
    const code = (
      await tx.query(SQL.INSERT_INSTALL_CODE, [
        tenant.id,
        entitlement.id,
        createHmac("sha256", codeKey).update(installCode.replace(/-/g, "")).digest("hex"),
        codeExpiresAt,
        now,
      ])
    ).rows[0];
    // the API renders a text and an HTML body (~3 KB) and seals them with the message's headers
    const body =
      `Welcome to Alga, ${tenant.companyName}.\n\nYour install code: ${installCode} (valid until ${codeExpiresAt.toISOString()})\nDownload: ${downloadUrl}\n`.repeat(
        12,
      );
    await tx.query(SQL.ENQUEUE_EMAIL, [
      tenant.id,
      tenant.contactEmail,
      "install-code",
      seal(JSON.stringify({ subject: `Your Alga ${data.edition} install code`, text: body, html: `<pre>${body}</pre>` })),
      now,
    ]);
    if (input.idempotencyKey) await tx.query(SQL.INSERT_IDEMPOTENCY, [scope, input.idempotencyKey, requestDigest, tenant.id, code.id, seal(installCode), now]);
    const details = { edition: data.edition, deploymentType: data.deploymentType, entitlementId: entitlement.id, installCodeId: code.id };
    await tx.query(SQL.INSERT_AUDIT, ["store", key.id, "tenant.registered", tenant.id, JSON.stringify(details), c.requestId, now]);
    return {
      registerTenant: {
        tenantId: tenant.id,
        installCode,
        installCodeExpiresAt: codeExpiresAt.toISOString(),
        downloadUrl,
        downloadUrlExpiresAt: linkExpiresAt.toISOString(),
        replayed: false,
      },
    };
  });
}

/** Escapes LIKE wildcards as Prisma's `contains` does. */
const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

async function tenants(c: Caller, v: Vars) {
  await staffKey(c);
  const first = Number(v.first ?? 20);
  const pattern = likePattern(String(v.search ?? "").trim());
  // as the API: the page, then its relations (concurrently, on separate connections), then totalCount
  const page = await pool.query(SQL.SEARCH_PAGE, [pattern, pattern, first + 1, 0]);
  const rows = page.rows.slice(0, first);
  const ids = rows.map((r) => r.tenant_id as string);
  const [ents, apps, codes] = await Promise.all([
    pool.query(SQL.SEARCH_ENTITLEMENTS, [ids, 0]),
    pool.query(SQL.SEARCH_APPLIANCES, [ids, 0]),
    pool.query(SQL.SEARCH_INSTALL_CODES, [ids, 0]),
  ]);
  // a first page with room to spare is its own count; otherwise the capped count
  const total = page.rows.length <= first ? page.rows.length : Number((await pool.query(SQL.SEARCH_COUNT, [null, null, null, pattern, 1001])).rows[0].n);
  const by = <T extends { tenant_id: string }>(list: T[]) => {
    const m = new Map<string, T[]>();
    for (const r of list) m.set(r.tenant_id, [...(m.get(r.tenant_id) ?? []), r]);
    return (id: string) => m.get(id) ?? [];
  };
  const [entsOf, appsOf, codesOf] = [by(ents.rows), by(apps.rows), by(codes.rows)];
  const state = (code: { revoked_at: Date | null; consumed_at: Date | null; expires_at: Date }) =>
    code.revoked_at ? "REVOKED" : code.consumed_at ? "CONSUMED" : code.expires_at <= new Date() ? "EXPIRED" : "ACTIVE";
  return {
    tenants: {
      totalCount: Math.min(total, 1000),
      edges: rows.map((r) => ({
        node: {
          id: r.tenant_id,
          companyName: r.company_name,
          contactEmail: r.contact_email,
          status: r.status,
          edition: r.edition,
          createdAt: r.created_at.toISOString(),
          lastCheckInAt: r.last_check_in_at?.toISOString() ?? null,
          entitlements: entsOf(r.tenant_id).map((e) => ({ edition: e.edition, status: e.status, validUntil: e.valid_until, seats: e.seats })),
          appliances: appsOf(r.tenant_id).map((a) => ({ applianceId: a.appliance_id, lastCheckInAt: a.last_check_in_at })),
          installCodes: codesOf(r.tenant_id).map((k) => ({ state: state(k), expiresAt: k.expires_at })),
        },
      })),
    },
  };
}

const OPERATIONS: Record<string, (c: Caller, v: Vars) => Promise<unknown>> = { checkIn, redeemInstallCode, registerTenant, tenants };

function send(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/readyz") return send(res, 200, { status: "ready" });
  const op = OPERATIONS[String(req.headers["x-bench-op"])];
  if (req.method !== "POST" || !op)
    return send(res, 404, { errors: [{ message: "POST with x-bench-op: checkIn | redeemInstallCode | registerTenant | tenants" }] });
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const caller: Caller = {
      authorization: req.headers.authorization,
      // the API trusts X-Forwarded-For from loopback (TRUST_PROXY=loopback in the bench)
      address: String(req.headers["x-forwarded-for"] ?? req.socket.remoteAddress)
        .split(",")[0]!
        .trim(),
      requestId: randomUUID(),
    };
    let variables: Vars;
    try {
      variables = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { variables?: Vars }).variables ?? {};
    } catch {
      return send(res, 400, { errors: [{ message: "body is not JSON" }] });
    }
    op(caller, variables).then(
      (data) => send(res, 200, { data }),
      (err: unknown) =>
        send(res, 200, {
          errors: [{ message: String((err as Error).message), extensions: { code: err instanceof Refusal ? err.code : "INTERNAL_SERVER_ERROR" } }],
        }),
    );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address() as { port: number };
  publicUrl = `http://127.0.0.1:${address.port}`;
  // the bench waits for this line, as it does for the API's banner
  process.stderr.write(`alga-bench baseline: ${publicUrl}/graphql\n`);
});
const stop = () => server.close(() => void pool.end().then(() => process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
