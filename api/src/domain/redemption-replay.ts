// When a consumed install code may be redeemed again: only as a replay of its own redemption whose
// answer was lost, by the caller that holds all three of code, appliance id and redemption key, while
// the code would still be valid — and never by an attempt older than the newest replay (the appliance
// retries one attempt after another, so an older attempt still in flight is one it stopped waiting for).
import { timingSafeEqual } from "node:crypto";
import type { ApplianceRow } from "../data/appliances.js";
import type { InstallCodeRow } from "../data/install-codes.js";
import type { ServerSecret } from "../crypto/server-secret.js";

export const MAX_REDEMPTION_KEY_LENGTH = 128;

/** What is stored: HMAC-SHA256 under the server secret, bound to the code (one key per code). */
export function redemptionKeyDigest(secret: ServerSecret, installCodeId: string, key: string): string {
  return secret.hmac("redemption-key", `${installCodeId}:${key}`);
}

export interface ReplayCaller {
  applianceId: string;
  /** digest of the key the caller sent (null: none) */
  keyDigest: string | null;
}

type CodeState = Pick<InstallCodeRow, "consumedAt" | "consumedBy" | "revokedAt" | "expiresAt" | "redemptionKeyDigest" | "replayedAt">;

const sameDigest = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** A consumed code's redemption that this caller may replay at `now`. */
export function replayable(code: CodeState, caller: ReplayCaller, now: Date): boolean {
  if (!code.consumedAt || code.revokedAt || code.expiresAt <= now) return false;
  if (code.consumedBy !== caller.applianceId || !caller.keyDigest || !code.redemptionKeyDigest) return false;
  if (!sameDigest(code.redemptionKeyDigest, caller.keyDigest)) return false;
  return now >= (code.replayedAt ?? code.consumedAt);
}

/**
 * Whether the appliance row still holds what this code's redemption issued: a later redemption of
 * another code under the same id (a reinstall), an admin revocation or a seat retirement ended it,
 * and a replay never brings such a credential back.
 */
export function holdsRedemption(appliance: Pick<ApplianceRow, "installCodeId" | "credentialRevokedAt"> | null, installCodeId: string): boolean {
  return !!appliance && appliance.installCodeId === installCodeId && appliance.credentialRevokedAt === null;
}
