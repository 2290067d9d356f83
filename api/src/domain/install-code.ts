// Minting and digesting install codes (format in @alga-license/contract).
import { randomInt } from "node:crypto";
import type { ServerSecret } from "../crypto/server-secret.js";
import { CODE_ALPHABET, CODE_PAYLOAD_LENGTH, checkSymbol, formatInstallCode, installCodeRequestDigest } from "@alga-license/contract";

export function generateInstallCode(): string {
  let payload = "";
  for (let i = 0; i < CODE_PAYLOAD_LENGTH; i++) payload += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return formatInstallCode(payload + checkSymbol(payload));
}

/** What is stored and looked up: HMAC-SHA256 of the canonical code under the server secret. */
export function installCodeDigest(secret: ServerSecret, canonical: string): string {
  return secret.hmac("install-code", canonical);
}

/**
 * What an offline activation request is looked up by: HMAC of the code's request digest (the SHA-256
 * the request file carries instead of the code), computed from the code at mint and re-issue.
 */
export function requestDigestOf(secret: ServerSecret, codeRequestDigest: string): string {
  return secret.hmac("install-code-request", codeRequestDigest);
}

export const installCodeRequestLookup = (secret: ServerSecret, canonical: string) => requestDigestOf(secret, installCodeRequestDigest(canonical));
