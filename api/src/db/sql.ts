// The domain's SQL layer: typed statements over pg (api/src/data/*), transactions, constraint names.
import type pg from "pg";

/** Anything that runs a statement: the pool (autocommit) or a transaction's client. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

/** Runs fn in one transaction; rolls back on any error (and on a broken connection, drops it). */
export async function transaction<T>(pool: pg.Pool, fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  // The server may drop the connection while we hold it (restart, failover, admin shutdown). pg then
  // emits 'error' on the client, and the pool listens only on idle ones: without this listener the
  // process crashed. The statement in flight fails on its own; the client is discarded on release.
  const onError = () => {
    broken = true;
  };
  client.on("error", onError);
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {
      broken = true;
    });
    throw err;
  } finally {
    client.removeListener("error", onError);
    client.release(broken);
  }
}

export const pgCode = (err: unknown): string | undefined =>
  typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "string" ? (err as { code: string }).code : undefined;

/** unique_violation on the given constraint (or any, when none is named) */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  return pgCode(err) === "23505" && (!constraint || (err as { constraint?: string }).constraint === constraint);
}
