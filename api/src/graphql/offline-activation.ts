// The air-gapped exchange: request file in, response file out (docs/OFFLINE.md).
import { activateOffline, type OfflineActivationResult } from "../domain/offline-activation.js";
import { renewOffline, type OfflineRenewalResult } from "../domain/offline-renewal.js";
import { builder } from "./builder.js";
import { EditionEnum, SeatReportChainEnum } from "./enums.js";

const REQUEST_DESCRIPTION =
  'The request file\'s content (JSON, {"format":"alga-offline-request",…}) or the bare compact JWS it carries (what a QR code or pasted text holds).';

const ActivateOfflineInput = builder.inputType("ActivateOfflineInput", {
  fields: (t) => ({ request: t.string({ required: true, description: REQUEST_DESCRIPTION }) }),
});
const RenewOfflineInput = builder.inputType("RenewOfflineInput", {
  fields: (t) => ({ request: t.string({ required: true, description: REQUEST_DESCRIPTION }) }),
});

const ActivateOfflinePayload = builder.objectRef<OfflineActivationResult>("ActivateOfflinePayload").implement({
  fields: (t) => ({
    response: t.exposeString("response", { description: "The response file's content, for the appliance (alga-setup offline-apply)." }),
    tenantId: t.exposeID("tenantId"),
    edition: t.expose("edition", { type: EditionEnum }),
  }),
});

const SeatReportReceipt = builder.objectRef<OfflineRenewalResult["report"]>("SeatReportReceipt").implement({
  fields: (t) => ({ seq: t.exposeInt("seq"), chain: t.expose("chain", { type: SeatReportChainEnum }) }),
});

const RenewOfflinePayload = builder.objectRef<OfflineRenewalResult>("RenewOfflinePayload").implement({
  fields: (t) => ({
    response: t.exposeString("response", { description: "The response file's content, for the appliance (alga-license import)." }),
    tenantId: t.exposeID("tenantId"),
    applianceId: t.exposeString("applianceId"),
    edition: t.expose("edition", { type: EditionEnum }),
    licenseExpiresAt: t.expose("licenseExpiresAt", { type: "DateTime" }),
    report: t.field({ type: SeatReportReceipt, resolve: (r) => r.report, description: "the request's seat report as recorded" }),
  }),
});

builder.mutationField("activateOffline", (t) =>
  t.field({
    type: ActivateOfflinePayload,
    description:
      "Activates an appliance without a network path from its signed request file: consumes the install code exactly like redeemInstallCode (single use, seats, entitlement rules, audit) " +
      "and answers a response file signed by the license signing key, bound to the appliance key and the request's nonce (license with cnf.jkt, the key document, the credential for a later check-in). " +
      "The same code, appliance id and key in a new request replays the activation. Errors: INVALID_OFFLINE_REQUEST (extensions.reason), STALE_OFFLINE_REQUEST, REPLAYED_OFFLINE_REQUEST, " +
      "INVALID/EXPIRED/CONSUMED/REVOKED_INSTALL_CODE (a code minted before offline activation existed is unknown here: re-issue it), TENANT_SUSPENDED, SEAT_LIMIT_REACHED, RATE_LIMITED.",
    authScopes: { store: true, support: true, admin: true },
    args: { input: t.arg({ type: ActivateOfflineInput, required: true }) },
    resolve: (_root, { input }, ctx) => activateOffline(ctx.services, ctx, input),
  }),
);

builder.mutationField("renewOffline", (t) =>
  t.field({
    type: RenewOfflinePayload,
    description:
      "Renews an offline appliance's license from its signed renewal request (signed by its registered key) under the same rules as checkIn, and records the seat report it carries (hash chain: OK, FIRST, GAP). " +
      "Errors: INVALID_OFFLINE_REQUEST, STALE_OFFLINE_REQUEST, REPLAYED_OFFLINE_REQUEST (the request or its report was answered before; recorded as a REPLAYED report), " +
      "APPLIANCE_KEY_MISMATCH, APPLIANCE_NOT_FOUND, ENTITLEMENT_LAPSED, TENANT_SUSPENDED, FORBIDDEN (reason NO_SEAT: the appliance's seat was retired).",
    authScopes: { store: true, support: true, admin: true },
    args: { input: t.arg({ type: RenewOfflineInput, required: true }) },
    resolve: (_root, { input }, ctx) => renewOffline(ctx.services, ctx, input),
  }),
);
