// What the domain operations need, built once at start-up (api/src/control-plane.ts) and passed in,
// so every operation is a plain function testable without HTTP.
import type pg from "pg";
import type { KeyDocument, OfflineResponsePayload } from "@alga-license/contract";
import type { ServerSecret } from "../crypto/server-secret.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { LicenseSigner } from "../license/issue-license.js";
import type { IsoLinks } from "../storage/iso-download.js";
import type { SeatOverflow } from "../config.js";

export interface Services {
  /** the domain's SQL (api/src/data) */
  db: pg.Pool;
  /** the support read graph (Pothos' Prisma plugin); shares db's pool */
  prisma: PrismaClient;
  secret: ServerSecret;
  isoLinks: IsoLinks;
  signLicense: LicenseSigner;
  licenseTtlSeconds: number;
  /** the air-gapped exchange (offline-activation.ts, offline-renewal.ts) */
  offline: {
    requestMaxAgeSeconds: number;
    /** signs a response file's JWS with the current license signing key */
    signResponse: (payload: OfflineResponsePayload) => Promise<string>;
    /** the key hand-over document (as served at /.well-known/license-keys.jws) */
    keyDocument: () => Promise<KeyDocument>;
  };
  installCodeTtlSeconds: number;
  entitlements: { graceSeconds: number; seatOverflow: SeatOverflow };
  /** base URL the appliance reaches; checkInUrl = <publicUrl>/graphql (known once the server listens) */
  publicUrl: () => string;
  redeemRateLimit: { maxFailures: number; windowSeconds: number };
  /** the time every decision uses (tests move it) */
  clock: () => Date;
  /** called after a transaction that queued mail commits (wakes the outbox worker) */
  mailQueued?: () => void;
  /** webhook settings the domain needs (WEBHOOK_SECRET_OVERLAP_SECONDS) */
  webhooks?: { secretOverlapSeconds: number };
  /** called after a transaction that queued webhook deliveries commits (wakes the delivery worker) */
  webhooksQueued?: () => void;
  /** called with each redemption's outcome (metrics) */
  redemptionOutcome?: (outcome: string) => void;
}
