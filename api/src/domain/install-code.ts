// Minting and digesting install codes (format in @alga-license/contract).
import { randomInt } from "node:crypto";
import type { ServerSecret } from "../crypto/server-secret.js";
import { CODE_ALPHABET, CODE_PAYLOAD_LENGTH, checkSymbol, formatInstallCode } from "@alga-license/contract";

export function generateInstallCode(): string {
  let payload = "";
  for (let i = 0; i < CODE_PAYLOAD_LENGTH; i++) payload += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return formatInstallCode(payload + checkSymbol(payload));
}

/** What is stored and looked up: HMAC-SHA256 of the canonical code under the server secret. */
export function installCodeDigest(secret: ServerSecret, canonical: string): string {
  return secret.hmac("install-code", canonical);
}
