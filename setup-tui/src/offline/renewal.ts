// Renewal by file, on an installed appliance (license_state):
//   renewal-request: a request signed by the appliance key kept in license_state, carrying the next
//     seat/usage report of its hash chain (what it ran as since the last report: edition, tool
//     version, the licensed period, its clock against the newest server-signed time it has seen); the
//     pending renewal (nonce, the report's seq and hash) is kept in license_state.offline_pending;
//   import: the vendor's renewal response verified — its key document through the appliance's chain
//     of trust (a key rotation inside the file is accepted only when a pinned key, or the root, signed
//     it: license/chain.ts), its signature with the resulting keys, its nonce the pending one, its jkt
//     this appliance key's — and its license verified and never older than the stored one; stored
//     under the license_state writers' lock, with the report chain advanced.
import {
  decodeOfflineResponseUnverified,
  nextSeatReport,
  OfflineFormatError,
  seatReportHash,
  signRenewalRequest,
  verifyOfflineResponse,
  type RenewalResponsePayload,
  type SeatReport,
} from "@alga-license/contract";
import type { JWK } from "jose";
import type pg from "pg";
import { parseApplianceKey, type ApplianceKey } from "../appliance-key.js";
import {
  readLicenseState,
  storeImportedRenewal,
  storePendingRenewal,
  withApplianceDb,
  withLicenseLock,
  type LicenseStateRow,
} from "../bootstrap/appliance-schema.js";
import { chainDocuments, chainTip, extendKeyChain, type KeyChain } from "../license/chain.js";
import { timeFloor } from "../license/clock.js";
import { applianceTrust, isNewerLicense, referenceTime, storedLicense, verifiedClaims } from "../license/trust.js";
import { effectiveEdition, KeyTrustError, verifyLicense } from "../license/verify.js";
import { noPendingRequest, notVerified, OfflineFailure, responseFailure } from "./failures.js";
import { readResponseFile } from "./activation.js";
import { TOOL_VERSION, toolName } from "./tool.js";

export interface RenewalOptions {
  vendorKeys?: JWK[];
  graceSeconds: number;
  clock?: () => Date;
}

/** What license_state keeps for the renewal waiting for its response. */
export interface PendingRenewal {
  nonce: string;
  seq: number;
  hash: string;
  until: string;
  createdAt: string;
}

const notBootstrapped = () =>
  new OfflineFailure("NOT_BOOTSTRAPPED", {
    title: "This appliance is not set up yet",
    detail: "The appliance database has no tenant (no license_state).",
    action: "Activate it first: alga-setup offline-request, then alga-setup offline-apply and alga-create-tenant.",
  });

async function keyOf(row: LicenseStateRow): Promise<ApplianceKey> {
  try {
    if (row.appliance_key) return await parseApplianceKey(row.appliance_key, "license_state.appliance_key");
  } catch {
    // falls through: unusable
  }
  throw new OfflineFailure("NO_APPLIANCE_KEY", {
    title: "This appliance has no identity key",
    detail: "license_state keeps no usable appliance key: the appliance was installed before appliance keys, so its license cannot be renewed by file.",
    action: "Renew it online (alga-check-in), or install it again with a re-issued install code (alga-setup offline-request) so that it gets its key.",
  });
}

function pendingOf(row: LicenseStateRow): PendingRenewal | null {
  const p = row.offline_pending as Partial<PendingRenewal> | null | undefined;
  return p && typeof p.nonce === "string" && typeof p.seq === "number" && typeof p.hash === "string" && typeof p.until === "string"
    ? (p as PendingRenewal)
    : null;
}

export interface RenewalRequest {
  file: string;
  jws: string;
  nonce: string;
  report: SeatReport;
  tenantId: string;
  applianceId: string;
}

export async function makeRenewalRequest(client: pg.ClientBase, o: RenewalOptions): Promise<RenewalRequest> {
  const clock = o.clock ?? (() => new Date());
  return withLicenseLock(client, async () => {
    const row = await readLicenseState(client);
    if (!row) throw notBootstrapped();
    const key = await keyOf(row);
    const trust = await applianceTrust(row, o.vendorKeys);
    const check = await storedLicense(row, trust, { clock: clock(), graceSeconds: o.graceSeconds });
    const claims = verifiedClaims(check);
    const now = clock();
    const seq = row.report_seq ?? 0;
    const from = row.report_last_until ?? row.redeemed_at ?? (claims ? new Date(claims.iat * 1000) : now);
    const report = nextSeatReport(seq > 0 && row.report_last_hash ? { seq, hash: row.report_last_hash } : null, {
      from: from.toISOString(),
      until: now.toISOString(),
      edition: effectiveEdition(check),
      version: TOOL_VERSION,
      licensedUntil: claims ? new Date(claims.exp * 1000).toISOString() : null,
      clock: {
        applianceTime: now.toISOString(),
        serverTimeFloor: trust.floor?.toISOString() ?? null,
        skewSeconds: trust.floor ? Math.round((now.getTime() - trust.floor.getTime()) / 1000) : null,
      },
    });
    const signed = await signRenewalRequest({
      privateKey: key.privateJwk as Parameters<typeof signRenewalRequest>[0]["privateKey"],
      applianceId: row.appliance_id ?? "",
      tenantId: row.tenant_id,
      tool: toolName("alga-license"),
      licenseJti: claims?.jti ?? null,
      report,
      now,
    });
    const pending: PendingRenewal = {
      nonce: signed.payload.nonce,
      seq: report.seq,
      hash: seatReportHash(report),
      until: report.until,
      createdAt: now.toISOString(),
    };
    await storePendingRenewal(client, row.tenant_id, pending);
    return { file: signed.file, jws: signed.jws, nonce: pending.nonce, report, tenantId: row.tenant_id, applianceId: row.appliance_id ?? "" };
  });
}

export const renewalRequest = (databaseUrl: string, o: RenewalOptions) => withApplianceDb(databaseUrl, (c) => makeRenewalRequest(c, o));

export interface ImportResult {
  tenantId: string;
  edition: string;
  expiresAt: string;
  /** the vendor keys now pinned, and whether the file carried new ones (a rotation) */
  vendorKeys: string[];
  keysUpdated: boolean;
  report: { seq: number; chain: string };
}

export async function importRenewal(client: pg.ClientBase, file: string, o: RenewalOptions & { text?: string }): Promise<ImportResult> {
  const text = o.text ?? readResponseFile(file);
  const clock = o.clock ?? (() => new Date());
  const root = o.vendorKeys?.length ? o.vendorKeys : null;
  let payload: RenewalResponsePayload;
  try {
    const unverified = decodeOfflineResponseUnverified(text);
    if (unverified.kind !== "renewal")
      throw new OfflineFormatError("WRONG_KIND", "This is an activation response: apply it with alga-setup offline-apply on the appliance being set up.");
    payload = unverified.payload as RenewalResponsePayload;
  } catch (err) {
    if (err instanceof OfflineFormatError) throw responseFailure(err, file);
    throw err;
  }
  return withLicenseLock(client, async () => {
    const row = await readLicenseState(client);
    if (!row) throw notBootstrapped();
    const key = await keyOf(row);
    const pending = pendingOf(row);
    if (!pending) throw noPendingRequest("renewal", file);
    const trust = await applianceTrust(row, o.vendorKeys);
    if (trust.problem && !root) throw notVerified(file, `the vendor keys pinned on this appliance were refused (${trust.problem.message})`);
    const pinned = trust.problem ? null : trust.chain;
    let chain: KeyChain;
    try {
      chain = await extendKeyChain(pinned, payload.keys, {
        root,
        reference: referenceTime(trust, clock()),
        evidence: async (candidate) => {
          const c = await verifyLicense(payload.license, {
            keys: candidate,
            tenantId: row.tenant_id,
            applianceId: row.appliance_id,
            now: clock(),
            timeFloor: trust.floor,
            graceSeconds: o.graceSeconds,
          });
          return c.ok ? new Date(c.claims.iat * 1000) : null;
        },
      });
    } catch (err) {
      if (!(err instanceof KeyTrustError)) throw err;
      // pins newer than the file's document (a check-in followed the vendor since): the response must verify with those
      if (err.reason === "OUTDATED" && pinned) chain = pinned;
      else throw notVerified(file, `the vendor keys in the response were not accepted (${err.message})`);
    }
    const tip = chainTip(chain);
    let p: RenewalResponsePayload;
    try {
      p = (
        await verifyOfflineResponse(text, {
          keys: tip.keys,
          kind: "renewal",
          expect: { applianceId: row.appliance_id ?? undefined, jkt: key.thumbprint, nonce: pending.nonce },
        })
      ).payload as RenewalResponsePayload;
    } catch (err) {
      if (err instanceof OfflineFormatError) throw responseFailure(err, file);
      throw err;
    }
    if (p.tenantId !== row.tenant_id) throw notVerified(file, `the response is for tenant ${p.tenantId}, not this appliance's (${row.tenant_id})`);
    const check = await verifyLicense(p.license, {
      keys: tip,
      tenantId: row.tenant_id,
      applianceId: row.appliance_id,
      now: clock(),
      timeFloor: trust.floor,
      graceSeconds: o.graceSeconds,
      applianceKeyThumbprint: key.thumbprint,
    });
    if (!check.ok) throw notVerified(file, check.message);
    const held = verifiedClaims(await storedLicense(row, trust, { clock: clock(), graceSeconds: 0 }));
    if (held && !isNewerLicense(check.claims, held)) {
      throw new OfflineFailure("OLDER_LICENSE", {
        title: "The response carries an older license than the one stored",
        detail: `${file}: its license was issued ${new Date(check.claims.iat * 1000).toISOString()}, the stored one ${new Date(held.iat * 1000).toISOString()}: an older license never replaces a newer one. Nothing was changed.`,
        action: "Nothing is needed if alga-license status shows the license current; otherwise make a new renewal request (alga-license renewal-request).",
      });
    }
    const kids = (c: KeyChain | null) =>
      c
        ? chainTip(c)
            .keys.map((k) => k.kid)
            .join()
        : "";
    const keysUpdated = kids(chain) !== kids(pinned);
    await storeImportedRenewal(client, row.tenant_id, {
      license: p.license,
      expiresAt: check.expiresAt,
      edition: check.claims.edition,
      keyChain: chainDocuments(chain),
      vendorKeys: tip.document,
      keysUpdated,
      serverTime: timeFloor(check.claims.iat, p.iat, tip.issuedAt),
      report: { seq: pending.seq, hash: pending.hash, until: pending.until },
    });
    return {
      tenantId: row.tenant_id,
      edition: check.claims.edition,
      expiresAt: check.expiresAt.toISOString(),
      vendorKeys: tip.keys.map((k) => k.kid ?? "?"),
      keysUpdated,
      report: p.report,
    };
  });
}

export const importRenewalFile = (databaseUrl: string, file: string, o: RenewalOptions) => withApplianceDb(databaseUrl, (c) => importRenewal(c, file, o));
