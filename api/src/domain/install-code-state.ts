// What support sees of an install code: its state, derived from its timestamps.
export type InstallCodeState = "ISSUED" | "CONSUMED" | "EXPIRED" | "REVOKED";

/** A revoked code that was replaced reads as revoked; expiry only matters for a code still unused. */
export function installCodeState(c: { revokedAt: Date | null; consumedAt: Date | null; expiresAt: Date }, now = new Date()): InstallCodeState {
  if (c.revokedAt) return "REVOKED";
  if (c.consumedAt) return "CONSUMED";
  if (c.expiresAt <= now) return "EXPIRED";
  return "ISSUED";
}
