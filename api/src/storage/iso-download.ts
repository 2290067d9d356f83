// Presigned, time-boxed links to the current generic appliance ISO. The URL is not a secret gate
// (the install code is); it only keeps downloads behind registration.
import { createReadStream, existsSync, statSync } from "node:fs";
import path from "node:path";
import * as Minio from "minio";
import type { Config } from "../config.js";
import type { ServerSecret } from "../crypto/server-secret.js";

export interface DownloadLink {
  url: string;
  expiresAt: Date;
}

export interface IsoLinks {
  presign(now?: Date): Promise<DownloadLink>;
}

interface ReleasePointer {
  key: string;
  version?: string;
  sha256?: string;
}

function minioClient(endpoint: string, region: string, accessKey: string, secretKey: string): Minio.Client {
  const u = new URL(endpoint);
  return new Minio.Client({
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
  const publicClient = minioClient(s3.publicEndpoint, s3.region, s3.accessKey, s3.secretKey);
  const internalClient = minioClient(s3.endpoint, s3.region, s3.accessKey, s3.secretKey);
  let pointer: { value: ReleasePointer; readAt: number } | undefined;

  async function currentKey(): Promise<string> {
    if (!iso.releasePointerKey) return iso.key;
    if (!pointer || Date.now() - pointer.readAt > 60_000) {
      const stream = await internalClient.getObject(iso.bucket, iso.releasePointerKey);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      const value = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ReleasePointer;
      if (typeof value.key !== "string" || !value.key) throw new Error("ISO release pointer has no key");
      pointer = { value, readAt: Date.now() };
    }
    return pointer.value.key;
  }

  return {
    async presign(now = new Date()) {
      const key = await currentKey();
      const url = await publicClient.presignedGetObject(iso.bucket, key, ttlSeconds, {}, now);
      return { url, expiresAt: new Date(now.getTime() + ttlSeconds * 1000) };
    },
  };
}

/** Local default (no S3): the API serves DATA_DIR/iso/<ISO_KEY> behind an HMAC-signed, expiring link. */
export function localIsoLinks(publicUrl: string, iso: Config["iso"], ttlSeconds: number, secret: ServerSecret): IsoLinks {
  return {
    async presign(now = new Date()) {
      const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
      const expires = String(Math.floor(expiresAt.getTime() / 1000));
      const signature = secret.hmac("iso-link", `${iso.key}\n${expires}`);
      const url = `${publicUrl}/downloads/${encodeURIComponent(iso.key)}?expires=${expires}&signature=${signature}`;
      return { url, expiresAt };
    },
  };
}

export type LocalDownload =
  | { status: 200; file: string; size: number; open: () => NodeJS.ReadableStream }
  | { status: 403 | 404; message: string };

export function resolveLocalDownload(
  dataDir: string,
  secret: ServerSecret,
  key: string,
  expires: string,
  signature: string,
  now = Date.now(),
): LocalDownload {
  if (!/^\d+$/.test(expires) || !/^[0-9a-f]{64}$/.test(signature) || !secret.verifyHmac("iso-link", `${key}\n${expires}`, signature)) {
    return { status: 403, message: "invalid download link" };
  }
  if (Number(expires) * 1000 < now) return { status: 403, message: "download link expired: ask for a re-issued install code" };
  const file = path.join(dataDir, "iso", path.basename(key));
  if (!existsSync(file)) return { status: 404, message: `no ISO at ${file}` };
  return { status: 200, file, size: statSync(file).size, open: () => createReadStream(file) };
}

export function createIsoLinks(config: Config, publicUrl: string, secret: ServerSecret): IsoLinks {
  return config.s3
    ? s3IsoLinks(config.s3, config.iso, config.downloadUrlTtlSeconds)
    : localIsoLinks(publicUrl, config.iso, config.downloadUrlTtlSeconds, secret);
}
