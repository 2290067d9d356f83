// What the domain operations need, built once at start-up (api/src/app.ts) and passed in,
// so every operation is a plain function testable without HTTP.
import type { ServerSecret } from "../crypto/server-secret.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { LicenseIssuer } from "../license/issue-license.js";
import type { IsoLinks } from "../storage/iso-download.js";
import type { RateLimitRule } from "./rate-limit.js";

export interface Services {
  prisma: PrismaClient;
  secret: ServerSecret;
  isoLinks: IsoLinks;
  issueLicense: LicenseIssuer;
  installCodeTtlSeconds: number;
  /** base URL the appliance reaches; checkInUrl = <publicUrl>/graphql */
  publicUrl: string;
  redeemRateLimit: RateLimitRule;
  /** called after a transaction that queued mail commits (wakes the outbox worker) */
  mailQueued?: () => void;
  /** called with each redemption's outcome (metrics) */
  redemptionOutcome?: (outcome: string) => void;
}
