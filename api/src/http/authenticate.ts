// Maps the Authorization header to a principal: "alk_..." API keys (store/support/admin) or an
// appliance credential "alc_...". A bad or revoked secret leaves the caller anonymous, so every
// protected field answers UNAUTHENTICATED.
import { verifyApiKey } from "../domain/api-keys.js";
import { APPLIANCE_CREDENTIAL_PREFIX, sha256 } from "../domain/credentials.js";
import type { Principal } from "../domain/principal.js";
import type { PrismaClient } from "../generated/prisma/client.js";

const LAST_USED_GRANULARITY_MS = 60_000;

export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m?.[1];
}

export async function authenticate(prisma: PrismaClient, authorization: string | undefined): Promise<Principal> {
  const token = bearerToken(authorization);
  if (!token) return { kind: "anonymous" };
  if (token.startsWith(APPLIANCE_CREDENTIAL_PREFIX)) {
    const appliance = await prisma.appliance.findUnique({ where: { credentialDigest: sha256(token) } });
    if (!appliance || appliance.credentialRevokedAt) return { kind: "anonymous" };
    return { kind: "appliance", applianceRowId: appliance.id, applianceId: appliance.applianceId, tenantId: appliance.tenantId };
  }
  const key = await verifyApiKey(prisma, token);
  if (!key) return { kind: "anonymous" };
  if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    // bookkeeping only: never fails or slows the request
    void prisma.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: new Date() } }).catch(() => {});
  }
  return { kind: key.role.toLowerCase() as "store" | "support" | "admin", apiKeyId: key.id, name: key.name };
}
