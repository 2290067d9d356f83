// Random bearer secrets (API keys, appliance credentials). They carry 256 bits of entropy, so a
// plain SHA-256 digest is a sufficient at-rest hash (no password stretching needed).
import { createHash, randomBytes } from "node:crypto";

export const APPLIANCE_CREDENTIAL_PREFIX = "alc_";

export const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

export function newApplianceCredential(): { credential: string; digest: string } {
  const credential = APPLIANCE_CREDENTIAL_PREFIX + randomBytes(32).toString("base64url");
  return { credential, digest: sha256(credential) };
}
