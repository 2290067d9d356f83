// License signing keys. The first key signs; every key in the set is published in the JWKS so
// tokens signed before a rotation keep verifying until they expire.
//   production: LICENSE_SIGNING_KEYS = JWK, JWK array, JWKS object, or concatenated PKCS#8 PEMs
//               (public-only JWKs are published but never sign)
//   local:      DATA_DIR/signing-keys.json, generated on first run, rotated by `npm run signing-key -- rotate`
import { createPrivateKey, createPublicKey, type KeyObject, type JsonWebKey as NodeJwk } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { LICENSE_ALGORITHMS } from "@alga-license/contract";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import { ConfigError } from "../config-error.js";
import { writeFileAtomic } from "../storage/atomic-file.js";

export interface StoredKey {
  jwk: JWK; // private (or public-only) JWK with kid and alg
  createdAt: string;
  /** set on rotation: the key stops signing and is published until then */
  publishUntil?: string;
}

export interface Signer {
  kid: string;
  alg: string;
  key: CryptoKey;
  /** the same private key for node:crypto, imported once: licenses are signed with it directly */
  keyObject: KeyObject;
}

export interface SigningKeySet {
  /** signs licenses */
  signer: Signer;
  /** every private key still published (the current one first): they co-sign the key hand-over */
  handoverSigners: (now?: number) => Signer[];
  publicJwks: (now?: number) => { keys: JWK[] };
  source: "env" | "file";
}

const LOCAL_FILE = "signing-keys.json";

export function defaultAlg(jwk: JWK): string {
  if (jwk.alg) return jwk.alg;
  if (jwk.kty === "OKP") return "EdDSA";
  if (jwk.kty === "EC") return jwk.crv === "P-384" ? "ES384" : "ES256";
  if (jwk.kty === "RSA") return "RS256";
  throw new Error(`unsupported signing key type ${jwk.kty}`);
}

async function normalize(jwk: JWK): Promise<JWK> {
  const alg = defaultAlg(jwk);
  const kid = jwk.kid ?? (await calculateJwkThumbprint(jwk));
  // the appliances verify only these: a license signed otherwise would be refused by every one of them
  if (!LICENSE_ALGORITHMS.includes(alg)) {
    throw new ConfigError([`LICENSE_SIGNING_KEYS: signing key ${kid}: algorithm ${alg} is not one appliances accept (${LICENSE_ALGORITHMS.join(", ")})`]);
  }
  return { ...jwk, alg, kid, use: "sig" };
}

export function publicPart(jwk: JWK): JWK {
  const pub = createPublicKey({ key: jwk as NodeJwk, format: "jwk" }).export({ format: "jwk" }) as JWK;
  return { ...pub, kid: jwk.kid, alg: jwk.alg, use: "sig" };
}

export function parseKeyMaterial(raw: string): JWK[] {
  const text = raw.trim();
  if (text.startsWith("-----BEGIN")) {
    const pems = text.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
    return pems.map((pem) => createPrivateKey(pem).export({ format: "jwk" }) as JWK);
  }
  const parsed = JSON.parse(text) as JWK | JWK[] | { keys: JWK[] };
  if (Array.isArray(parsed)) return parsed;
  if ("keys" in parsed && Array.isArray(parsed.keys)) return parsed.keys;
  return [parsed as JWK];
}

export async function generateSigningKey(alg = "EdDSA"): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, crv: alg === "EdDSA" ? "Ed25519" : undefined });
  const jwk = await normalize({ ...(await exportJWK(privateKey)), alg });
  return { jwk, createdAt: new Date().toISOString() };
}

export function readLocalKeys(dataDir: string): StoredKey[] {
  const file = path.join(dataDir, LOCAL_FILE);
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  let keys: unknown;
  try {
    keys = (JSON.parse(text) as { keys?: unknown }).keys;
  } catch {
    keys = undefined;
  }
  if (!Array.isArray(keys) || keys.length === 0) {
    // never replaced silently: licenses signed by the keys it held would stop verifying
    throw new ConfigError([
      `${file}: holds no signing keys (${text.length} bytes${text.length ? ", not a key file" : ""}): it was cut short or edited. ` +
        "Restore it from a backup, or remove it to generate a new key (licenses signed by the old one stop verifying), or set LICENSE_SIGNING_KEYS.",
    ]);
  }
  return keys as StoredKey[];
}

export function writeLocalKeys(dataDir: string, keys: StoredKey[]): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileAtomic(path.join(dataDir, LOCAL_FILE), JSON.stringify({ keys }, null, 2), { mode: 0o600 });
}

/** New key signs from now on; the old ones stay published for one more license lifetime. */
export async function rotateLocalKeys(dataDir: string, licenseTtlSeconds: number, now = new Date()): Promise<StoredKey> {
  const until = new Date(now.getTime() + licenseTtlSeconds * 1000).toISOString();
  const current = readLocalKeys(dataDir)
    .filter((k) => !k.publishUntil || new Date(k.publishUntil) > now)
    .map((k) => ({ ...k, publishUntil: k.publishUntil ?? until }));
  const fresh = await generateSigningKey();
  writeLocalKeys(dataDir, [fresh, ...current]);
  return fresh;
}

export async function loadSigningKeys(opts: { configured?: string; dataDir: string }): Promise<SigningKeySet> {
  let stored: StoredKey[];
  let source: "env" | "file";
  if (opts.configured) {
    const jwks = await Promise.all(parseKeyMaterial(opts.configured).map(normalize));
    stored = jwks.map((jwk) => ({ jwk, createdAt: "" }));
    source = "env";
  } else {
    stored = readLocalKeys(opts.dataDir);
    if (stored.length === 0) {
      stored = [await generateSigningKey()];
      writeLocalKeys(opts.dataDir, stored);
    }
    source = "file";
  }
  const active = stored.find((k) => k.jwk.d !== undefined && !k.publishUntil);
  if (!active) throw new Error("no private signing key available (LICENSE_SIGNING_KEYS holds only public keys)");
  const importSigner = async (jwk: JWK): Promise<Signer> => {
    const alg = defaultAlg(jwk);
    return { kid: jwk.kid!, alg, key: (await importJWK(jwk, alg)) as CryptoKey, keyObject: createPrivateKey({ key: jwk as NodeJwk, format: "jwk" }) };
  };
  const signer = await importSigner(active.jwk);
  const live = (until: string | undefined, now: number) => !until || Date.parse(until) > now;
  const privateOnes = await Promise.all(
    [active, ...stored.filter((k) => k !== active && k.jwk.d !== undefined)].map(async (k) => ({ signer: await importSigner(k.jwk), until: k.publishUntil })),
  );
  const published = stored.map((k) => ({ publicJwk: publicPart(k.jwk), until: k.publishUntil }));
  return {
    signer,
    handoverSigners: (now = Date.now()) => privateOnes.filter((k) => live(k.until, now)).map((k) => k.signer),
    publicJwks: (now = Date.now()) => ({
      keys: published.filter((k) => live(k.until, now)).map((k) => k.publicJwk),
    }),
    source,
  };
}
