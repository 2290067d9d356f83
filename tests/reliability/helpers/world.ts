// What a probe runs against: a database of its own (a clone of the suite's template), real S3
// (s3rver) and SMTP peers, API keys, and N API replicas sharing one secret and one signing key, as a
// replicated deployment must (REPLICATED=true makes each replica check that).
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createRoleKeys } from "../../helpers/api-keys.js";
import { s3Settings, startS3, type S3Peer } from "../../helpers/peers.js";
import { probeDatabase, type ProbeDatabase } from "./database.js";
import { startReplicas, type Replica } from "./replicas.js";
import { startSmtpService, type SmtpService } from "./smtp.js";

export const ISO_BUCKET = "appliance-iso";
export const ISO_KEY = "alga-appliance.iso";

export interface World {
  db: ProbeDatabase;
  s3: S3Peer;
  smtp: SmtpService;
  replicas: Replica[];
  keys: { store: string; support: string; admin: string };
  /** the settings every replica got (start another one with the same) */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface WorldOptions {
  label: string;
  replicas: number;
  env?: Record<string, string>;
  /** another PostgreSQL server (its superuser URL) to make the probe's database on: the outage probe's own */
  adminUrl?: string;
}

export function sharedSecrets(): Record<string, string> {
  const jwk = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });
  return { SERVER_SECRET: randomBytes(36).toString("base64url"), LICENSE_SIGNING_KEYS: JSON.stringify({ ...jwk, alg: "EdDSA", kid: "rel-1" }) };
}

export async function startWorld(o: WorldOptions): Promise<World> {
  const db = await probeDatabase(o.label, o.adminUrl);
  const s3 = await startS3([ISO_BUCKET]);
  await s3.putObject(ISO_BUCKET, ISO_KEY, Buffer.from("ISO-9660 reliability image\n".repeat(32)));
  const smtp = await startSmtpService();
  const keys = await createRoleKeys(db.pool, "rel");
  const env = {
    DATABASE_URL: db.url,
    REPLICATED: "true",
    ...sharedSecrets(),
    SMTP_URL: smtp.url,
    ...s3Settings(s3, ISO_BUCKET, ISO_KEY),
    ...o.env,
  };
  let replicas: Replica[] = [];
  try {
    replicas = await startReplicas(o.replicas, env);
  } catch (err) {
    await Promise.all([smtp.stop(), s3.stop(), db.drop()]);
    throw err;
  }
  return {
    db,
    s3,
    smtp,
    replicas,
    keys,
    env,
    async stop() {
      await Promise.all(replicas.map((r) => r.stop("SIGTERM")));
      await smtp.stop();
      await s3.stop();
      await db.drop();
    },
  };
}

/** Round-robin over the replicas: the i-th call goes to replica i mod n (a load balancer's view). */
export const replicaUrl = (w: { replicas: Replica[] }, i: number) => w.replicas[i % w.replicas.length]!.url;

/** A distinct client address from the IPv6 documentation range per caller (the failure limit counts per address). */
export const clientAddress = (i: number) => `2001:db8::${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}`;
