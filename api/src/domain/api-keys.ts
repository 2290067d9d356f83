// API keys for the store / support / admin principals. Format: alk_<12 id chars>_<43 secret chars>;
// the id part is stored in clear for lookup, the whole key only as SHA-256.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { PrincipalRole } from "../generated/prisma/enums.js";
import { sha256 } from "./credentials.js";

export const API_KEY_PREFIX = "alk_";
const KEY_SHAPE = /^(alk_[A-Za-z0-9]{12})_[A-Za-z0-9_-]{43}$/;

export async function createApiKey(prisma: PrismaClient, role: PrincipalRole, name: string) {
  const prefix = API_KEY_PREFIX + randomBytes(9).toString("base64url").replace(/[-_]/g, "x").slice(0, 12);
  const key = `${prefix}_${randomBytes(32).toString("base64url")}`;
  const row = await prisma.apiKey.create({ data: { role, name, prefix, digest: sha256(key) } });
  return { key, row };
}

export async function listApiKeys(prisma: PrismaClient) {
  return prisma.apiKey.findMany({ orderBy: { createdAt: "asc" } });
}

/** Revokes by id or by the key's public prefix. Returns the revoked row, or null if none matched. */
export async function revokeApiKey(prisma: PrismaClient, idOrPrefix: string) {
  const where = idOrPrefix.startsWith(API_KEY_PREFIX) ? { prefix: idOrPrefix } : { id: idOrPrefix };
  const row = await prisma.apiKey.findFirst({ where: { ...where, revokedAt: null } });
  if (!row) return null;
  return prisma.apiKey.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
}

/** The key's row if it is well-formed, known, unrevoked and matches; else null. */
export async function verifyApiKey(prisma: PrismaClient, key: string) {
  const m = KEY_SHAPE.exec(key);
  if (!m) return null;
  const row = await prisma.apiKey.findUnique({ where: { prefix: m[1]! } });
  if (!row || row.revokedAt) return null;
  const given = Buffer.from(sha256(key), "hex");
  if (!timingSafeEqual(given, Buffer.from(row.digest, "hex"))) return null;
  return row;
}
