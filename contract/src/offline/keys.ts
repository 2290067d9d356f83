// Appliance identity keys (Ed25519) and the digests that stand for secrets in request files.
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import { sha256Base64url } from "./canonical-json.js";
import { OfflineFormatError } from "./errors.js";
import type { AppliancePrivateJwk, AppliancePublicJwk } from "./types.js";

/** Longest accepted public JWK JSON (RedeemInstallCodeInput.applianceKey). */
export const APPLIANCE_KEY_MAX_LENGTH = 512;

const B64URL = /^[A-Za-z0-9_-]+$/;

/** RFC 7638 thumbprint (SHA-256, base64url): how a license's cnf.jkt and a response's jkt name the key. */
export function applianceKeyThumbprint(publicJwk: AppliancePublicJwk): Promise<string> {
  return calculateJwkThumbprint({ kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x }, "sha256");
}

/**
 * What a request file carries instead of the install code: base64url(SHA-256("alga-install-code:" +
 * canonical code)). Install codes carry ~95 random bits, so the digest does not reveal the code.
 */
export function installCodeRequestDigest(canonicalCode: string): string {
  return sha256Base64url(`alga-install-code:${canonicalCode}`);
}

/** A fresh appliance key pair, as the private JWK the appliance keeps. */
export async function generateApplianceKey(): Promise<AppliancePrivateJwk> {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwk = await exportJWK(privateKey);
  return { kty: "OKP", crv: "Ed25519", x: jwk.x!, d: jwk.d! };
}

/** The public half (only kty, crv, x: nothing else travels). */
export function publicApplianceKey(jwk: AppliancePublicJwk): AppliancePublicJwk {
  return { kty: "OKP", crv: "Ed25519", x: jwk.x };
}

/** Validates an Ed25519 public JWK (object or JSON text); private keys are refused. */
export function parseAppliancePublicKey(input: unknown, field = "applianceKey"): AppliancePublicJwk {
  let value = input;
  if (typeof input === "string") {
    if (input.length > APPLIANCE_KEY_MAX_LENGTH) {
      throw new OfflineFormatError("INVALID_PAYLOAD", `${field}: longer than ${APPLIANCE_KEY_MAX_LENGTH} characters (a public Ed25519 JWK is about 90)`, field);
    }
    try {
      value = JSON.parse(input);
    } catch {
      throw new OfflineFormatError("INVALID_PAYLOAD", `${field}: not JSON (expected a public JWK such as {"kty":"OKP","crv":"Ed25519","x":"…"})`, field);
    }
  }
  const jwk = value as Partial<AppliancePrivateJwk> | null;
  if (!jwk || typeof jwk !== "object" || Array.isArray(jwk)) throw new OfflineFormatError("INVALID_PAYLOAD", `${field}: not a JWK object`, field);
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519")
    throw new OfflineFormatError("INVALID_PAYLOAD", `${field}: must be an Ed25519 key (kty "OKP", crv "Ed25519")`, field);
  if ("d" in jwk) throw new OfflineFormatError("INVALID_PAYLOAD", `${field}: holds a private key (d): send only the public key`, field);
  // 32 bytes = 43 base64url characters
  if (typeof jwk.x !== "string" || jwk.x.length !== 43 || !B64URL.test(jwk.x)) {
    throw new OfflineFormatError("INVALID_PAYLOAD", `${field}: x must be the 32-byte public key in base64url`, field);
  }
  return { kty: "OKP", crv: "Ed25519", x: jwk.x };
}
