// api_key: store / support / admin principals; only a digest of each key is stored.
import type { PrincipalRole } from "../generated/prisma/enums.js";
import type { Queryable } from "../db/sql.js";

export interface ApiKeyRow {
  id: string;
  name: string;
  role: PrincipalRole;
  prefix: string;
  digest: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = `id, name, role, prefix, digest, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

export async function insertApiKey(q: Queryable, k: { role: PrincipalRole; name: string; prefix: string; digest: string }): Promise<ApiKeyRow> {
  const { rows } = await q.query<ApiKeyRow>(
    `INSERT INTO api_key (id, name, role, prefix, digest) VALUES (gen_random_uuid(), $1, $2, $3, $4) RETURNING ${COLUMNS}`,
    [k.name, k.role, k.prefix, k.digest],
  );
  return rows[0]!;
}

export async function findApiKeyByPrefix(q: Queryable, prefix: string): Promise<ApiKeyRow | null> {
  const { rows } = await q.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_key WHERE prefix = $1`, [prefix]);
  return rows[0] ?? null;
}

export async function listApiKeys(q: Queryable): Promise<ApiKeyRow[]> {
  const { rows } = await q.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_key ORDER BY created_at`);
  return rows;
}

export async function countActiveApiKeys(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM api_key WHERE revoked_at IS NULL`);
  return rows[0]!.n;
}

/** Revokes by id or prefix; null when no active key matched. */
export async function revokeApiKey(q: Queryable, by: { id: string } | { prefix: string }): Promise<ApiKeyRow | null> {
  const [column, value] = "id" in by ? ["id", by.id] : ["prefix", by.prefix];
  const { rows } = await q.query<ApiKeyRow>(`UPDATE api_key SET revoked_at = now() WHERE ${column} = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`, [value]);
  return rows[0] ?? null;
}

/** Bookkeeping, at most once a minute per key. */
export async function touchApiKey(q: Queryable, id: string): Promise<void> {
  await q.query(`UPDATE api_key SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, [id]);
}
