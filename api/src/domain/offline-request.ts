// What activateOffline and renewOffline share: the request file verified (signature with the key in its
// header, kind, version, age window) with each refusal as a contract error, and the nonce's digest.
import {
  OfflineFormatError,
  sha256Base64url,
  verifyOfflineRequest,
  type ActivationRequestPayload,
  type OfflineKind,
  type RenewalRequestPayload,
  type VerifiedOfflineRequest,
} from "@alga-license/contract";
import { DomainError } from "./errors.js";
import type { Services } from "./services.js";

type PayloadOf<K extends OfflineKind> = K extends "activation" ? ActivationRequestPayload : RenewalRequestPayload;

export async function verifiedRequest<K extends OfflineKind>(s: Services, text: string, kind: K): Promise<VerifiedOfflineRequest<PayloadOf<K>>> {
  try {
    return (await verifyOfflineRequest(text, { kind, maxAgeSeconds: s.offline.requestMaxAgeSeconds, now: s.clock() })) as VerifiedOfflineRequest<PayloadOf<K>>;
  } catch (e) {
    if (!(e instanceof OfflineFormatError)) throw e;
    if (e.reason === "STALE" || e.reason === "FUTURE") throw new DomainError("STALE_OFFLINE_REQUEST", e.message, { reason: e.reason, field: "request" });
    const hint =
      e.reason === "WRONG_KIND" ? ` Use ${kind === "activation" ? "activateOffline for activation requests" : "renewOffline for renewal requests"}.` : "";
    throw new DomainError("INVALID_OFFLINE_REQUEST", `${e.message}${hint}`, { reason: e.reason, field: e.field ? `request.${e.field}` : "request" });
  }
}

/** What offline_request_nonce keys on (the nonce itself is not kept). */
export const nonceDigest = (nonce: string) => sha256Base64url(`alga-offline-nonce:${nonce}`);

export const replayedRequest = (what: string) =>
  new DomainError(
    "REPLAYED_OFFLINE_REQUEST",
    `This ${what} request was answered before (a request file is answered once). If its response was lost, make a new request on the appliance and bring it again.`,
  );
