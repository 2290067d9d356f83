// API keys for the store / support / admin principals. Format: alk_<12 id chars>_<43 secret chars>;
// the id part is stored in clear for lookup, the whole key only as SHA-256.
import { randomBytes, timingSafeEqual } from "node:crypto";
import * as keys from "../data/api-keys.js";
import type { Queryable } from "../db/sql.js";
import type { PrincipalRole } from "../generated/prisma/enums.js";
import { sha256 } from "./credentials.js";
import { DomainError } from "./errors.js";
import { isUuid, requireText } from "./validate.js";

export const API_KEY_PREFIX = "alk_";
const KEY_SHAPE = /^(alk_[A-Za-z0-9]{12})_[A-Za-z0-9_-]{43}$/;
const PREFIX_SHAPE = /^alk_[A-Za-z0-9]{12}$/;

export async function createApiKey(q: Queryable, role: PrincipalRole, name: string) {
  const prefix = API_KEY_PREFIX + randomBytes(9).toString("base64url").replace(/[-_]/g, "x").slice(0, 12);
  const key = `${prefix}_${randomBytes(32).toString("base64url")}`;
  const row = await keys.insertApiKey(q, { role, name: requireText(name, "name", 100), prefix, digest: sha256(key) });
  return { key, row };
}

export const listApiKeys = keys.listApiKeys;

/** Revokes by id or by the key's public prefix. Returns the revoked row, or null if no active key matched. */
export async function revokeApiKey(q: Queryable, idOrPrefix: string) {
  const v = idOrPrefix.trim();
  if (PREFIX_SHAPE.test(v)) return keys.revokeApiKey(q, { prefix: v });
  if (isUuid(v)) return keys.revokeApiKey(q, { id: v.toLowerCase() });
  throw new DomainError("BAD_USER_INPUT", `"${v}" is neither a key id (a UUID) nor a key prefix (alk_ and 12 characters)`);
}

/** The key's row if it is well-formed, known, unrevoked and matches; else null. */
export async function verifyApiKey(q: Queryable, key: string) {
  const m = KEY_SHAPE.exec(key);
  if (!m) return null;
  const row = await keys.findApiKeyByPrefix(q, m[1]!);
  if (!row || row.revokedAt) return null;
  const given = Buffer.from(sha256(key), "hex");
  if (!timingSafeEqual(given, Buffer.from(row.digest, "hex"))) return null;
  return row;
}
