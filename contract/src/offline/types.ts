// The air-gapped exchange: request and response files carried by hand (file, QR code, pasted text)
// between an appliance without a network path and the license service. docs/OFFLINE.md describes it.
export const OFFLINE_FORMAT_VERSION = 1;

export type OfflineKind = "activation" | "renewal";
export const OFFLINE_KINDS: readonly OfflineKind[] = ["activation", "renewal"];

export const OFFLINE_REQUEST_FORMAT = "alga-offline-request";
export const OFFLINE_RESPONSE_FORMAT = "alga-offline-response";

/** JWS `typ` of each message */
export const OFFLINE_REQUEST_TYP: Record<OfflineKind, string> = {
  activation: "alga-activation-request+jws",
  renewal: "alga-renewal-request+jws",
};
export const OFFLINE_RESPONSE_TYP: Record<OfflineKind, string> = {
  activation: "alga-activation-response+jws",
  renewal: "alga-renewal-response+jws",
};

export type OfflineEdition = "ESSENTIALS" | "PRO" | "PREMIUM";
export const OFFLINE_EDITIONS: readonly OfflineEdition[] = ["ESSENTIALS", "PRO", "PREMIUM"];

/** An appliance's public identity key (Ed25519). */
export interface AppliancePublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
}

/** The appliance's private key as it keeps it (appliance-key.json). */
export interface AppliancePrivateJwk extends AppliancePublicJwk {
  d: string;
}

export interface SeatReportClock {
  /** the appliance clock when the report was made (ISO) */
  applianceTime: string;
  /** the newest server-signed time the appliance has seen (ISO), or null */
  serverTimeFloor: string | null;
  /** applianceTime − serverTimeFloor in seconds, or null */
  skewSeconds: number | null;
}

/** Seat/usage report, hash-chained: prev = seatReportHash of the previous report (null for seq 1). */
export interface SeatReport {
  seq: number;
  prev: string | null;
  /** the period it covers (ISO) */
  from: string;
  until: string;
  edition: OfflineEdition;
  /** appliance tool version */
  version: string;
  /** exp of the license it ran under (ISO), or null */
  licensedUntil: string | null;
  clock: SeatReportClock;
}

export type SeatReportChain = "OK" | "FIRST" | "GAP" | "REPLAYED";
export const SEAT_REPORT_CHAINS: readonly SeatReportChain[] = ["OK", "FIRST", "GAP", "REPLAYED"];

export interface ActivationRequestPayload {
  ver: 1;
  kind: "activation";
  applianceId: string;
  /** base64url, 16 random bytes */
  nonce: string;
  /** installCodeRequestDigest(canonical code) */
  codeDigest: string;
  /** appliance clock, seconds */
  iat: number;
  /** "alga-setup/<version>" */
  tool: string;
}

export interface RenewalRequestPayload {
  ver: 1;
  kind: "renewal";
  applianceId: string;
  tenantId: string;
  nonce: string;
  iat: number;
  tool: string;
  /** jti of the license the appliance holds, or null */
  licenseJti: string | null;
  report: SeatReport;
}

export type OfflineRequestPayload = ActivationRequestPayload | RenewalRequestPayload;

/** The key hand-over document as served at /.well-known/license-keys.jws (General JWS JSON). */
export interface KeyDocument {
  payload: string;
  signatures: { protected?: string; header?: Record<string, unknown>; signature: string }[];
}

export interface ActivationResponsePayload {
  ver: 1;
  kind: "activation";
  nonce: string;
  applianceId: string;
  /** thumbprint of the appliance key the response (and license) is bound to */
  jkt: string;
  tenantId: string;
  companyName: string;
  adminEmail: string;
  edition: OfflineEdition;
  /** ISO */
  redeemedAt: string;
  /** license JWT carrying cnf: { jkt }; null for ESSENTIALS (no paid license) */
  license: string | null;
  keys: KeyDocument;
  /** appliance credential for a later online check-in, null for ESSENTIALS */
  credential: string | null;
  checkInUrl: string | null;
  iat: number;
}

export interface RenewalResponsePayload {
  ver: 1;
  kind: "renewal";
  nonce: string;
  applianceId: string;
  jkt: string;
  tenantId: string;
  edition: OfflineEdition;
  license: string;
  keys: KeyDocument;
  iat: number;
  report: { seq: number; chain: SeatReportChain };
}

export type OfflineResponsePayload = ActivationResponsePayload | RenewalResponsePayload;

export type PayloadOf<K extends OfflineKind, A, R> = K extends "activation" ? A : R;
