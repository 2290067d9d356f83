// Starts a real control plane in-process on a scratch PostgreSQL database with real S3 and SMTP peers.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { startControlPlane, type ControlPlane, type StartOptions } from "../../api/src/control-plane.js";
import { loadConfig } from "../../api/src/config.js";
import { createRoleKeys } from "./api-keys.js";
import { createLogger } from "../../api/src/log.js";
import { createScratchDatabase } from "./postgres.js";
import { s3Settings, startS3, startSmtp, type S3Peer, type SmtpPeer } from "./peers.js";

export const ISO_BUCKET = "appliance-iso";
export const ISO_KEY = "releases/alga-appliance-1.0.iso";
export const ISO_BYTES = Buffer.from("ISO-9660 test image for alga appliance\n".repeat(64));

export interface TestPlane {
  plane: ControlPlane;
  url: string;
  s3: S3Peer;
  smtp: SmtpPeer;
  dataDir: string;
  databaseUrl: string;
  /** every log line the API wrote */
  logs: string[];
  keys: { store: string; support: string; admin: string };
  gql<T = any>(query: string, variables?: Record<string, unknown>, opts?: GqlOptions): Promise<GqlResult<T>>;
  stop(): Promise<void>;
}

export interface GqlResult<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
}

export interface GqlOptions {
  token?: string;
  /** sets X-Forwarded-For (the API trusts loopback proxies): one client address per test */
  clientAddress?: string;
}

/** The first error's extensions.code, if any. */
export const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

export async function gqlRequest<T>(url: string, query: string, variables?: Record<string, unknown>, opts: GqlOptions = {}): Promise<GqlResult<T>> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.clientAddress ? { "x-forwarded-for": opts.clientAddress } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GqlResult<T>, "status">;
  return { status: res.status, ...body };
}

export async function startTestPlane(env: Record<string, string> = {}, opts: StartOptions = {}): Promise<TestPlane> {
  const scratch = await createScratchDatabase();
  const s3 = await startS3([ISO_BUCKET]);
  await s3.putObject(ISO_BUCKET, ISO_KEY, ISO_BYTES);
  const smtp = await startSmtp();
  const home = mkdtempSync(path.join(os.tmpdir(), "alga-data-"));
  // a dot folder like the default ./.data (file serving refuses dot folders unless told where its root is)
  const dataDir = path.join(home, ".data");
  mkdirSync(dataDir);
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: scratch.url,
    DATA_DIR: dataDir,
    MIGRATE_ON_START: "false",
    ...s3Settings(s3, ISO_BUCKET, ISO_KEY),
    SMTP_URL: smtp.url,
    OUTBOX_POLL_MS: "200",
    LOG_LEVEL: "debug",
    // the shared test server has 100 connections for every parallel run on this machine
    DATABASE_POOL_SIZE: "5",
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString().split("\n").filter(Boolean));
      cb();
    },
  });
  const plane = await startControlPlane(config, createLogger(config.logLevel, sink), opts);
  const db = plane.services.db;
  const keys = await createRoleKeys(db, "test");
  return {
    plane,
    url: plane.url,
    s3,
    smtp,
    dataDir,
    databaseUrl: scratch.url,
    logs,
    keys,
    gql: (query, variables, opts) => gqlRequest(plane.url, query, variables, opts),
    async stop() {
      await plane.stop();
      await smtp.stop();
      await s3.stop();
      await scratch.drop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export const REGISTER = `mutation Register($input: RegisterTenantInput!) {
  registerTenant(input: $input) {
    tenantId installCode installCodeExpiresAt downloadUrl downloadUrlExpiresAt replayed
    tenant { id companyName contactEmail edition deploymentType status }
  }
}`;

export const REDEEM = `mutation Redeem($input: RedeemInstallCodeInput!) {
  redeemInstallCode(input: $input) {
    tenantId edition companyName contactEmail applianceCredential firstJwt checkInUrl
  }
}`;

export const REISSUE = `mutation Reissue($input: ReissueInstallCodeInput!) {
  reissueInstallCode(input: $input) { tenantId installCode installCodeExpiresAt downloadUrl downloadUrlExpiresAt revokedCodes }
}`;

export const CHECK_IN = `mutation CheckIn($input: CheckInInput!) {
  checkIn(input: $input) { token expiresAt tenantId edition }
}`;
