// rate_limit_window: fixed-window counters shared by every replica.
import type { Queryable } from "../db/sql.js";

/**
 * Reserves one attempt atomically (the window restarts once it has passed) and returns the count
 * including this one: the caller judges the reservation, so parallel attempts can never all slip
 * under the limit.
 */
export async function reserveAttempt(q: Queryable, key: string, windowSeconds: number, now: Date): Promise<{ count: number; windowStart: Date }> {
  const { rows } = await q.query<{ count: number; windowStart: Date }>(
    `INSERT INTO rate_limit_window AS w (key, window_start, count) VALUES ($1, $2, 1)
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN w.window_start <= $2::timestamptz - make_interval(secs => $3) THEN 1 ELSE w.count + 1 END,
       window_start = CASE WHEN w.window_start <= $2::timestamptz - make_interval(secs => $3) THEN $2 ELSE w.window_start END
     RETURNING count, window_start AS "windowStart"`,
    [key, now, windowSeconds],
  );
  return rows[0]!;
}

/** Gives a reserved attempt back (it succeeded, or was refused before it was judged). */
export async function releaseAttempt(q: Queryable, key: string, windowStart: Date): Promise<void> {
  await q.query(`UPDATE rate_limit_window SET count = count - 1 WHERE key = $1 AND window_start = $2 AND count > 0`, [key, windowStart]);
}

export async function purgeWindows(q: Queryable, windowSeconds: number, now: Date): Promise<number> {
  const { rowCount } = await q.query(`DELETE FROM rate_limit_window WHERE window_start <= $1::timestamptz - make_interval(secs => $2)`, [now, windowSeconds]);
  return rowCount ?? 0;
}
