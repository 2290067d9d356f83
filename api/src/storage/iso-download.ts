// Presigned, time-boxed links to the current generic appliance ISO. The URL is not a secret gate
// (the install code is); it only keeps downloads behind registration. The sha256 the release pointer
// carries (or, for the local file, a computed one) travels with the link into the email.
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type * as Minio from "minio";
import { loadMinio } from "../lazy-import.js";
import type { Config } from "../config.js";
import type { ServerSecret } from "../crypto/server-secret.js";

export interface DownloadLink {
  url: string;
  expiresAt: Date;
  /** hex sha256 of the ISO, when known */
  sha256?: string;
  version?: string;
}

export interface IsoLinks {
  presign(now?: Date): Promise<DownloadLink>;
}

interface ReleasePointer {
  key: string;
  version?: string;
  sha256?: string;
}

const SHA256 = /^[0-9a-f]{64}$/i;

async function minioClient(endpoint: string, region: string, accessKey: string, secretKey: string): Promise<Minio.Client> {
  const u = new URL(endpoint);
  const { Client } = await loadMinio();
  return new Client({
    endPoint: u.hostname,
    port: u.port ? Number(u.port) : undefined,
    useSSL: u.protocol === "https:",
    accessKey,
    secretKey,
    // a fixed region keeps presigning offline (no bucket-location round trip)
    region,
    pathStyle: true,
  });
}

/** S3/MinIO: signs for the public endpoint the customer reaches, reads the release pointer internally. */
export function s3IsoLinks(s3: NonNullable<Config["s3"]>, iso: Config["iso"], ttlSeconds: number): IsoLinks {
  // made on first use: the S3 client's import is not on the start's path
  let clients: Promise<{ publicClient: Minio.Client; internalClient: Minio.Client }> | undefined;
  const clientsOnce = () =>
    (clients ??= Promise.all([
      minioClient(s3.publicEndpoint, s3.region, s3.accessKey, s3.secretKey),
      minioClient(s3.endpoint, s3.region, s3.accessKey, s3.secretKey),
    ]).then(([publicClient, internalClient]) => ({ publicClient, internalClient })));
  let pointer: { value: ReleasePointer; readAt: number } | undefined;

  async function current(): Promise<ReleasePointer> {
    if (!iso.releasePointerKey) return { key: iso.key };
    if (!pointer || Date.now() - pointer.readAt > 60_000) {
      const { internalClient } = await clientsOnce();
      const stream = await internalClient.getObject(iso.bucket, iso.releasePointerKey);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      const value = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ReleasePointer;
      if (typeof value.key !== "string" || !value.key) throw new Error("ISO release pointer has no key");
      if (value.sha256 !== undefined && !SHA256.test(value.sha256)) throw new Error("ISO release pointer has a malformed sha256");
      pointer = { value, readAt: Date.now() };
    }
    return pointer.value;
  }

  return {
    async presign(now = new Date()) {
      const release = await current();
      const { publicClient } = await clientsOnce();
      const url = await publicClient.presignedGetObject(iso.bucket, release.key, ttlSeconds, {}, now);
      return { url, expiresAt: new Date(now.getTime() + ttlSeconds * 1000), sha256: release.sha256?.toLowerCase(), version: release.version };
    },
  };
}

/** The local ISO file under DATA_DIR/iso (the key's base name only: no path escapes). */
export const localIsoFile = (dataDir: string, key: string) => path.join(dataDir, "iso", path.basename(key));

/**
 * sha256 of the local ISO: from a `<file>.sha256` sidecar if present, else computed once per
 * (size, mtime) in the background — a multi-GB file is never hashed on a request's path. The function
 * answers what is known now; `ready(file)` resolves once the hash of the file as it is now is known
 * (starting it if needed), so the first download of a newly placed ISO can wait for its checksum.
 */
export function localIsoDigests() {
  const cache = new Map<string, { stamp: string; sha256?: string; running?: Promise<void> }>();
  const lookup = (file: string): { sha256?: string; running?: Promise<void> } | undefined => {
    if (!existsSync(file)) return undefined;
    const sidecar = `${file}.sha256`;
    if (existsSync(sidecar)) {
      const v = readFileSync(sidecar, "utf8").trim().split(/\s+/)[0] ?? "";
      if (SHA256.test(v)) return { sha256: v.toLowerCase() };
    }
    const st = statSync(file);
    const stamp = `${st.size}:${st.mtimeMs}`;
    const entry = cache.get(file);
    if (entry?.stamp === stamp) return entry;
    const fresh: { stamp: string; sha256?: string; running?: Promise<void> } = { stamp };
    cache.set(file, fresh);
    fresh.running = new Promise<void>((resolve) => {
      const hash = createHash("sha256");
      createReadStream(file)
        .on("data", (d) => hash.update(d))
        .on("error", () => resolve())
        .on("end", () => {
          fresh.sha256 = hash.digest("hex");
          resolve();
        });
    });
    return fresh;
  };
  const digest = (file: string): string | undefined => lookup(file)?.sha256;
  /** the sha256 once known; undefined when the file is missing, unreadable, or not hashed within timeoutMs */
  const ready = async (file: string, timeoutMs: number): Promise<string | undefined> => {
    const entry = lookup(file);
    if (!entry || entry.sha256 || !entry.running) return entry?.sha256;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([entry.running, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs).unref()))]);
    clearTimeout(timer);
    return entry.sha256;
  };
  return Object.assign(digest, { ready });
}

/** A strong ETag for the ISO: its sha256 (the same for every replica and restart serving these bytes). */
export const isoEtag = (sha256: string) => `"sha256-${sha256}"`;

/** Local default (no S3): the API serves DATA_DIR/iso/<ISO_KEY> behind an HMAC-signed, expiring link. */
export function localIsoLinks(
  dataDir: string,
  publicUrl: () => string,
  iso: Config["iso"],
  ttlSeconds: number,
  secret: ServerSecret,
  digests = localIsoDigests(),
): IsoLinks {
  return {
    async presign(now = new Date()) {
      const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
      const expires = String(Math.floor(expiresAt.getTime() / 1000));
      const signature = secret.hmac("iso-link", `${iso.key}\n${expires}`);
      const url = `${publicUrl()}/downloads/${encodeURIComponent(iso.key)}?expires=${expires}&signature=${signature}`;
      return { url, expiresAt, sha256: digests(localIsoFile(dataDir, iso.key)) };
    },
  };
}

export type LinkCheck = { ok: true } | { ok: false; status: 403; message: string };

/** Is this a valid, unexpired local download link for key? */
export function checkLocalLink(secret: ServerSecret, key: string, expires: string, signature: string, now = Date.now()): LinkCheck {
  if (!/^\d+$/.test(expires) || !/^[0-9a-f]{64}$/.test(signature) || !secret.verifyHmac("iso-link", `${key}\n${expires}`, signature)) {
    return { ok: false, status: 403, message: "invalid download link" };
  }
  if (Number(expires) * 1000 < now) return { ok: false, status: 403, message: "download link expired: ask for a re-issued install code" };
  return { ok: true };
}

export function createIsoLinks(config: Config, publicUrl: () => string, secret: ServerSecret, digests: ReturnType<typeof localIsoDigests>): IsoLinks {
  return config.s3
    ? s3IsoLinks(config.s3, config.iso, config.downloadUrlTtlSeconds)
    : localIsoLinks(config.dataDir, publicUrl, config.iso, config.downloadUrlTtlSeconds, secret, digests);
}
