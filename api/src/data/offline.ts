// offline_request_nonce (the nonces of answered request files) and seat_report (the hash-chained
// reports renewal requests carry).
import type { Queryable } from "../db/sql.js";
import type { Edition, OfflineRequestKind, SeatReportChain } from "../generated/prisma/enums.js";

export async function nonceSeen(q: Queryable, nonceDigest: string): Promise<boolean> {
  const { rows } = await q.query(`SELECT 1 FROM offline_request_nonce WHERE nonce_digest = $1`, [nonceDigest]);
  return rows.length > 0;
}

/** false when the nonce was recorded before (a replayed request); a concurrent twin waits for the first to commit. */
export async function recordNonce(
  q: Queryable,
  n: { nonceDigest: string; kind: OfflineRequestKind; tenantId: string; applianceId: string; issuedAt: Date; now: Date },
): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO offline_request_nonce (nonce_digest, kind, tenant_id, appliance_id, issued_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (nonce_digest) DO NOTHING`,
    [n.nonceDigest, n.kind, n.tenantId, n.applianceId, n.issuedAt, n.now],
  );
  return rowCount === 1;
}

/** The newest report the chain continues from (refused REPLAYED rows are not part of it). */
export async function lastChainedReport(q: Queryable, applianceRowId: string): Promise<{ seq: number; hash: string } | null> {
  const { rows } = await q.query<{ seq: number; hash: string }>(
    `SELECT seq, hash FROM seat_report WHERE appliance_row_id = $1 AND chain <> 'REPLAYED' ORDER BY created_at DESC, seq DESC LIMIT 1`,
    [applianceRowId],
  );
  return rows[0] ?? null;
}

export async function reportRecorded(q: Queryable, applianceRowId: string, hash: string): Promise<boolean> {
  const { rows } = await q.query(`SELECT 1 FROM seat_report WHERE appliance_row_id = $1 AND hash = $2 AND chain <> 'REPLAYED' LIMIT 1`, [applianceRowId, hash]);
  return rows.length > 0;
}

export async function insertSeatReport(
  q: Queryable,
  r: {
    applianceRowId: string;
    tenantId: string;
    seq: number;
    prev: string | null;
    hash: string;
    chain: SeatReportChain;
    from: string;
    until: string;
    edition: Edition;
    version: string;
    licensedUntil: string | null;
    skewSeconds: number | null;
    report: string;
    licenseJti: string | null;
    now: Date;
  },
): Promise<void> {
  await q.query(
    `INSERT INTO seat_report (id, appliance_row_id, tenant_id, seq, prev, hash, chain, period_from, period_until, edition, version,
                              licensed_until, skew_seconds, report, license_jti, created_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15)`,
    [
      r.applianceRowId,
      r.tenantId,
      r.seq,
      r.prev,
      r.hash,
      r.chain,
      r.from,
      r.until,
      r.edition,
      r.version,
      r.licensedUntil,
      r.skewSeconds,
      r.report,
      r.licenseJti,
      r.now,
    ],
  );
}
