// The server-side secret behind install-code digests, sealed outbox mail and signed local links.
// Production: SERVER_SECRET (every replica must share it). Local: generated once into DATA_DIR.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../config-error.js";
import { FileWriteError, writeFileAtomic } from "../storage/atomic-file.js";

const MIN_BYTES = 32;

export interface ServerSecret {
  /** HMAC-SHA256 under a purpose-specific subkey, hex encoded. */
  hmac(purpose: string, value: string): string;
  /** AES-256-GCM; output is base64url(iv | tag | ciphertext). */
  seal(plaintext: string): string;
  unseal(sealed: string): string;
  verifyHmac(purpose: string, value: string, mac: string): boolean;
}

export function loadServerSecret(configured: string | undefined, dataDir: string): ServerSecret {
  let material: Buffer;
  if (configured) {
    if (configured.length < MIN_BYTES) throw new ConfigError([`SERVER_SECRET: must be at least ${MIN_BYTES} characters`]);
    material = Buffer.from(configured, "utf8");
  } else {
    const file = path.join(dataDir, "server-secret");
    if (!existsSync(file)) {
      mkdirSync(dataDir, { recursive: true });
      try {
        writeFileAtomic(file, randomBytes(32).toString("base64url"), { mode: 0o600, exclusive: true });
      } catch (err) {
        // another process sharing DATA_DIR made it first: use theirs
        if (!(err instanceof FileWriteError && err.code === "EEXIST")) throw err;
      }
    }
    material = Buffer.from(readFileSync(file, "utf8").trim(), "utf8");
    // install codes hashed under a short (or empty) secret would be guessable: never run on one
    if (material.length < MIN_BYTES) {
      throw new ConfigError([
        `${file}: holds ${material.length} bytes; a server secret needs at least ${MIN_BYTES}. It was cut short or edited: restore it from a backup, ` +
          "or remove it to generate a new one (install codes and local download links issued under it stop working), or set SERVER_SECRET.",
      ]);
    }
  }
  return createServerSecret(material);
}

export function createServerSecret(material: Buffer): ServerSecret {
  const subkey = (purpose: string) => Buffer.from(hkdfSync("sha256", material, "alga-license", purpose, 32));
  const hmacKeys = new Map<string, Buffer>();
  const hmacKey = (purpose: string) => {
    let key = hmacKeys.get(purpose);
    if (!key) hmacKeys.set(purpose, (key = subkey(`hmac:${purpose}`)));
    return key;
  };
  const sealKey = subkey("seal");
  const hmac = (purpose: string, value: string) => createHmac("sha256", hmacKey(purpose)).update(value).digest("hex");
  return {
    hmac,
    verifyHmac(purpose, value, mac) {
      const expected = Buffer.from(hmac(purpose, value), "hex");
      const given = Buffer.from(mac, "hex");
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", sealKey, iv);
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
    },
    unseal(sealed) {
      const raw = Buffer.from(sealed, "base64url");
      const decipher = createDecipheriv("aes-256-gcm", sealKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    },
  };
}
