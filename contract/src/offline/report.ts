// Seat/usage reports from disconnected sites: each renewal request carries one, hash-chained to the
// previous one, so a report that is missing (GAP) or sent twice (REPLAYED) is visible to the vendor.
import { canonicalJson, sha256Base64url } from "./canonical-json.js";
import { b64urlOrNull, DIGEST_LENGTH, int, intOrNull, iso, isoOrNull, obj, oneOf, str, type Obj } from "./shape.js";
import { OFFLINE_EDITIONS, type SeatReport, type SeatReportChain } from "./types.js";

/** base64url(SHA-256(canonicalJson(report))): what the next report's prev must be. */
export function seatReportHash(report: SeatReport): string {
  return sha256Base64url(canonicalJson(report));
}

/** The next report of a chain: seq + 1 and prev = hash of the previous one (seq 1, prev null without one). */
export function nextSeatReport(previous: SeatReport | { seq: number; hash: string } | null, fields: Omit<SeatReport, "seq" | "prev">): SeatReport {
  if (!previous) return { ...fields, seq: 1, prev: null };
  const hash = "hash" in previous ? previous.hash : seatReportHash(previous);
  return { ...fields, seq: previous.seq + 1, prev: hash };
}

export function parseSeatReport(value: unknown, prefix = "report."): SeatReport {
  const o = obj(value, prefix.slice(0, -1));
  const clock: Obj = obj(o.clock, `${prefix}clock`);
  return {
    seq: int(o, "seq", 1, prefix),
    prev: b64urlOrNull(o, "prev", DIGEST_LENGTH, prefix),
    from: iso(o, "from", prefix),
    until: iso(o, "until", prefix),
    edition: oneOf(o, "edition", OFFLINE_EDITIONS, prefix),
    version: str(o, "version", 100, prefix),
    licensedUntil: isoOrNull(o, "licensedUntil", prefix),
    clock: {
      applianceTime: iso(clock, "applianceTime", `${prefix}clock.`),
      serverTimeFloor: isoOrNull(clock, "serverTimeFloor", `${prefix}clock.`),
      skewSeconds: intOrNull(clock, "skewSeconds", `${prefix}clock.`),
    },
  };
}

/**
 * Where a report sits in its appliance's chain, from what the vendor recorded: the last report (seq and
 * hash) and whether this report's hash was recorded before. REPLAYED wins over everything; prev
 * matching the last hash (seq one further) is OK; seq 1 with nothing recorded is FIRST; anything
 * else (a report missing in between, a restarted or forked chain) is GAP.
 */
export function classifySeatReport(report: SeatReport, last: { seq: number; hash: string } | null, alreadyRecorded: boolean): SeatReportChain {
  if (alreadyRecorded) return "REPLAYED";
  if (!last) return report.seq === 1 && report.prev === null ? "FIRST" : "GAP";
  return report.prev === last.hash && report.seq === last.seq + 1 ? "OK" : "GAP";
}
