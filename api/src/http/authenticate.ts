// Maps the Authorization header to a principal: "alk_..." API keys (store/support/admin) or an
// appliance credential "alc_...", whose lookup also loads what a check-in needs. A bad or revoked
// secret leaves the caller anonymous (remembering which kind was refused, for the error message).
import { findSession } from "../data/appliances.js";
import { touchApiKey } from "../data/api-keys.js";
import type { Queryable } from "../db/sql.js";
import { verifyApiKey } from "../domain/api-keys.js";
import { APPLIANCE_CREDENTIAL_PREFIX, sha256 } from "../domain/credentials.js";
import type { Principal } from "../domain/principal.js";

const LAST_USED_GRANULARITY_MS = 60_000;

export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m?.[1];
}

export async function authenticate(q: Queryable, authorization: string | undefined): Promise<Principal> {
  const token = bearerToken(authorization);
  if (!token) return { kind: "anonymous" };
  if (token.startsWith(APPLIANCE_CREDENTIAL_PREFIX)) {
    const session = await findSession(q, { credentialDigest: sha256(token) });
    return session ? { kind: "appliance", ...session } : { kind: "anonymous", rejected: "appliance-credential" };
  }
  const key = await verifyApiKey(q, token);
  if (!key) return { kind: "anonymous", rejected: "api-key" };
  if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    // bookkeeping only: never fails or slows the request
    void touchApiKey(q, key.id).catch(() => {});
  }
  return { kind: key.role.toLowerCase() as "store" | "support" | "admin", apiKeyId: key.id, name: key.name };
}
