// The appliance's identity key: an Ed25519 key pair this appliance creates once, in its state folder
// (ALGA_STATE_DIR/appliance-key.json, the private JWK, mode 0600, written atomically and never
// replaced). Its public half travels with every offline request file and with the online redemption,
// so a license can be bound to the machine that asked for it (claim cnf.jkt = its RFC 7638
// thumbprint). alga-create-tenant keeps it in license_state (from the license seed's APPLIANCE_KEY), so
// the installed appliance signs its renewal requests with the same key.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { applianceKeyThumbprint, generateApplianceKey, publicApplianceKey, type AppliancePublicJwk } from "@alga-license/contract";
import { importJWK, type JWK } from "jose";
import { writeStateFile } from "./offline/state-file.js";

export const APPLIANCE_KEY_FILE = "appliance-key.json";

/** The public half as it travels: { kty: "OKP", crv: "Ed25519", x } (the contract's format). */
export type AppliancePublicKey = AppliancePublicJwk;

export interface ApplianceKey {
  /** the private JWK (d included): stays on the appliance */
  privateJwk: JWK;
  publicJwk: AppliancePublicKey;
  /** RFC 7638 SHA-256 thumbprint of the public key, base64url: the jkt a bound license names */
  thumbprint: string;
}

/** A file or seed value that is not an Ed25519 private JWK. */
export class ApplianceKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ApplianceKeyError";
  }
}

export const applianceKeyFile = (stateDir: string) => path.join(stateDir, APPLIANCE_KEY_FILE);

export const publicKeyOf = (jwk: JWK): AppliancePublicKey => publicApplianceKey({ kty: "OKP", crv: "Ed25519", x: jwk.x! });

/** RFC 7638 thumbprint (SHA-256, base64url) of an Ed25519 public key: the contract's, as the vendor computes it. */
export const thumbprintOf = (publicJwk: AppliancePublicKey | JWK) => applianceKeyThumbprint(publicKeyOf(publicJwk as JWK));

/** Parses a kept private key (the file, or license_state.appliance_key / the seed's APPLIANCE_KEY). */
export async function parseApplianceKey(value: unknown, source: string): Promise<ApplianceKey> {
  let jwk = value as JWK;
  if (typeof value === "string") {
    try {
      jwk = JSON.parse(value) as JWK;
    } catch {
      throw new ApplianceKeyError(`${source} is not JSON: it should hold this appliance's Ed25519 private key (a JWK)`);
    }
  }
  if (!jwk || typeof jwk !== "object" || jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string" || typeof jwk.d !== "string") {
    throw new ApplianceKeyError(`${source} is not an Ed25519 private key (JWK with kty OKP, crv Ed25519, x and d)`);
  }
  try {
    await importJWK({ ...jwk, alg: "EdDSA" }, "EdDSA");
  } catch (err) {
    throw new ApplianceKeyError(`${source} does not hold a usable Ed25519 key (${(err as Error).message})`);
  }
  const privateJwk: JWK = { kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d };
  const publicJwk = publicKeyOf(privateJwk);
  return { privateJwk, publicJwk, thumbprint: await thumbprintOf(publicJwk) };
}

/** The kept key, or null when this appliance has none yet. Throws ApplianceKeyError for a damaged file. */
export async function readApplianceKey(stateDir: string): Promise<ApplianceKey | null> {
  const file = applianceKeyFile(stateDir);
  if (!existsSync(file)) return null;
  return parseApplianceKey(readFileSync(file, "utf8"), file);
}

/**
 * This appliance's key: the kept one, or a new one created and kept before it is returned (never
 * replaced: of two processes creating it at once, both end up with the first one written).
 */
export async function ensureApplianceKey(stateDir: string): Promise<ApplianceKey> {
  const kept = await readApplianceKey(stateDir);
  if (kept) return kept;
  const jwk: JWK = await generateApplianceKey();
  try {
    writeStateFile(applianceKeyFile(stateDir), `${JSON.stringify({ ...jwk, createdAt: new Date().toISOString() })}\n`, { exclusive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return (await readApplianceKey(stateDir))!;
}
