// Real API processes (compiled JavaScript, `node api/dist/main.js`) sharing one scratch database, the
// way replicas run behind the chart's Service: same SERVER_SECRET and signing keys, own DATA_DIR.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createPool } from "../../api/src/db/pool.js";
import { generateSigningKey } from "../../api/src/license/signing-keys.js";
import { ISO_BUCKET, ISO_BYTES, ISO_KEY } from "./control-plane.js";
import { createRoleKeys } from "./api-keys.js";
import { s3Settings, startS3, startSmtp, type S3Peer, type SmtpPeer } from "./peers.js";
import { createScratchDatabase } from "./postgres.js";
import { startProcess, type Running } from "./processes.js";

export interface ApiProcess {
  url: string;
  process: Running;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface Replicas {
  apis: ApiProcess[];
  databaseUrl: string;
  keys: { store: string; support: string; admin: string };
  s3: S3Peer;
  smtp: SmtpPeer;
  /** a query on the shared database */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "alga-replica-"));
  const p = startProcess(process.execPath, ["api/dist/main.js"], { PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "warn", ...env });
  const [, url] = await p.waitForOutput(/alga-license API: (http:\/\/[^\s]+)\/graphql/, 60_000);
  return {
    url: url!,
    process: p,
    async stop(signal = "SIGTERM") {
      const code = await p.stop(signal);
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

export async function startReplicas(count: number, env: Record<string, string> = {}): Promise<Replicas> {
  const db = await createScratchDatabase();
  const s3 = await startS3([ISO_BUCKET]);
  await s3.putObject(ISO_BUCKET, ISO_KEY, ISO_BYTES);
  const smtp = await startSmtp();
  const signing = await generateSigningKey();
  const shared = {
    DATABASE_URL: db.url,
    MIGRATE_ON_START: "false",
    SERVER_SECRET: "replicas-share-this-secret-of-at-least-32-chars",
    LICENSE_SIGNING_KEYS: JSON.stringify([signing.jwk]),
    ...s3Settings(s3, ISO_BUCKET, ISO_KEY),
    SMTP_URL: smtp.url,
    REPLICATED: "true",
    DATABASE_POOL_SIZE: "5",
    OUTBOX_POLL_MS: "500",
    ...env,
  };
  const pool = createPool(db.url, { size: 2, timeoutMs: 10_000 });
  const apis = await Promise.all(Array.from({ length: count }, () => startApiProcess(shared)));
  const keys = await createRoleKeys(pool, "replica");
  return {
    apis,
    databaseUrl: db.url,
    keys,
    s3,
    smtp,
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    async stop() {
      await Promise.all(apis.map((a) => a.stop()));
      await pool.end();
      await smtp.stop();
      await s3.stop();
      await db.drop();
    },
  };
}
