// activateOffline: an appliance without a network path hands over a signed request file (its key,
// appliance id, the install code's request digest, a nonce); the code is consumed through the one
// redemption path (redeem-install-code.ts: single use under concurrency, seats, entitlement rules,
// audit install_code.redeemed with mode offline), the nonce recorded under the same lock, and the
// answer is a response file signed by the license signing key, bound to that key and nonce.
// The same code + appliance id + key with a NEW nonce replays the activation (its response was lost).
import type { ActivationResponsePayload } from "@alga-license/contract";
import { offlineResponseFile } from "@alga-license/contract";
import { recordNonce, nonceSeen } from "../data/offline.js";
import type { Edition } from "../generated/prisma/enums.js";
import { applianceKeyOf } from "./appliance-key.js";
import type { Actor } from "./principal.js";
import { redeem } from "./redeem-install-code.js";
import { nonceDigest, replayedRequest, verifiedRequest } from "./offline-request.js";
import type { Services } from "./services.js";

export interface OfflineActivationResult {
  /** the response file's text */
  response: string;
  tenantId: string;
  edition: Edition;
}

export async function activateOffline(s: Services, actor: Actor, input: { request: string }): Promise<OfflineActivationResult> {
  const { payload: p, publicJwk, jkt } = await verifiedRequest(s, input.request, "activation");
  const key = await applianceKeyOf(publicJwk);
  const digest = nonceDigest(p.nonce);
  if (await nonceSeen(s.db, digest)) throw replayedRequest("activation");
  const issuedAt = new Date(p.iat * 1000);
  const redeemed = await redeem(s, actor, {
    code: { requestDigest: p.codeDigest },
    applianceId: p.applianceId,
    expectedTenant: undefined,
    // the appliance key is what lets it replay its own activation (a new request, the same key)
    redemptionKey: `offline-key:${jkt}`,
    applianceKey: key,
    mode: "OFFLINE",
    underLock: async (tx, tenantId) => {
      if (!(await recordNonce(tx, { nonceDigest: digest, kind: "ACTIVATION", tenantId, applianceId: p.applianceId, issuedAt, now: s.clock() }))) {
        throw replayedRequest("activation");
      }
    },
    auditDetails: { mode: "offline", requestIssuedAt: issuedAt.toISOString(), tool: p.tool },
  });
  const response: ActivationResponsePayload = {
    ver: 1,
    kind: "activation",
    nonce: p.nonce,
    applianceId: p.applianceId,
    jkt,
    tenantId: redeemed.tenantId,
    companyName: redeemed.companyName,
    adminEmail: redeemed.contactEmail,
    edition: redeemed.edition,
    redeemedAt: redeemed.redeemedAt.toISOString(),
    license: redeemed.firstJwt,
    keys: await s.offline.keyDocument(),
    credential: redeemed.applianceCredential,
    checkInUrl: redeemed.checkInUrl,
    iat: Math.floor(s.clock().getTime() / 1000),
  };
  const jws = await s.offline.signResponse(response);
  return { response: offlineResponseFile("activation", jws), tenantId: redeemed.tenantId, edition: redeemed.edition };
}
