import { installCodeStatus, type InstallCodeStatus } from "../domain/install-code-status.js";
import { redeemInstallCode, type RedeemResult } from "../domain/redeem-install-code.js";
import { builder } from "./builder.js";
import { EditionEnum, InstallCodeStateEnum } from "./enums.js";

const RedeemInstallCodeInput = builder.inputType("RedeemInstallCodeInput", {
  fields: (t) => ({
    installCode: t.string({ required: true, description: "case- and dash-insensitive" }),
    applianceId: t.string({ required: true, description: "unique within the tenant; a redeem never touches another tenant's appliance" }),
    tenantId: t.id({
      required: false,
      description:
        "connect (upgrade in place): the appliance's own tenant id. A code of another tenant is refused (BAD_USER_INPUT, reason OTHER_TENANT) and not consumed.",
    }),
    redemptionKey: t.string({
      required: false,
      description:
        "A secret the appliance generates and keeps before its first attempt (at most 128 characters; only its HMAC is stored). " +
        "A retry with the same code, appliance id and key replays a redemption whose answer was lost — same tenant, a fresh credential and license, " +
        "the earlier credential dead — until the code would have expired; anyone else gets CONSUMED_INSTALL_CODE. Empty or blank: BAD_USER_INPUT.",
    }),
    applianceKey: t.string({
      required: false,
      description:
        'The appliance\'s own Ed25519 public key as a JWK (JSON, at most 512 characters: {"kty":"OKP","crv":"Ed25519","x":"…"}). Stored on the appliance; ' +
        "its licenses are bound to it (claim cnf.jkt), and an offline renewal must be signed by it. A private key or another key type: BAD_USER_INPUT (field applianceKey).",
    }),
  }),
});

const RedeemInstallCodePayload = builder.objectRef<RedeemResult>("RedeemInstallCodePayload").implement({
  fields: (t) => ({
    tenantId: t.exposeID("tenantId"),
    edition: t.expose("edition", { type: EditionEnum }),
    companyName: t.exposeString("companyName"),
    contactEmail: t.exposeString("contactEmail"),
    applianceCredential: t.exposeString("applianceCredential", { nullable: true, description: "paid only; shown once" }),
    firstJwt: t.exposeString("firstJwt", { nullable: true, description: "paid only" }),
    checkInUrl: t.exposeString("checkInUrl", { nullable: true, description: "paid only" }),
    licenseExpiresAt: t.expose("licenseExpiresAt", { type: "DateTime", nullable: true }),
    reinstalled: t.exposeBoolean("reinstalled", { description: "true when this appliance id was already installed for the tenant" }),
    replayed: t.exposeBoolean("replayed", {
      description:
        "true when this answer replays this appliance's earlier redemption of the code (same redemption key): the credential of the earlier answer no longer works",
    }),
  }),
});

const InstallCodeStatusType = builder.objectRef<InstallCodeStatus>("InstallCodeStatus").implement({
  description: "What a code would do, without using it.",
  fields: (t) => ({
    state: t.expose("state", { type: InstallCodeStateEnum }),
    expiresAt: t.expose("expiresAt", { type: "DateTime" }),
    tenantId: t.exposeID("tenantId"),
    companyName: t.exposeString("companyName"),
    edition: t.expose("edition", { type: EditionEnum, description: "the edition a redemption would install now" }),
    tenantSuspended: t.exposeBoolean("tenantSuspended"),
  }),
});

builder.mutationField("redeemInstallCode", (t) =>
  t.field({
    type: RedeemInstallCodePayload,
    description:
      "No principal: the install code is the credential. Atomic single use; its own appliance may replay a redemption whose answer was lost (redemptionKey). " +
      "Errors: INVALID/EXPIRED/CONSUMED/REVOKED_INSTALL_CODE, TENANT_SUSPENDED, BAD_USER_INPUT (field), " +
      "SEAT_LIMIT_REACHED, RATE_LIMITED (failed attempts per client address), SERVICE_BUSY / SERVICE_UNAVAILABLE (retryable; nothing was consumed).",
    args: { input: t.arg({ type: RedeemInstallCodeInput, required: true }) },
    resolve: (_root, { input }, ctx) => redeemInstallCode(ctx.services, ctx, { ...input, tenantId: input.tenantId?.toString() }),
  }),
);

builder.queryField("installCodeStatus", (t) =>
  t.field({
    type: InstallCodeStatusType,
    description:
      "No principal: the code is the credential. A code's state without consuming it (the console checks it before asking for a password). " +
      "An unknown code is INVALID_INSTALL_CODE and counts against the caller's failure limit like a redemption.",
    args: { installCode: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => installCodeStatus(ctx.services, ctx, args),
  }),
);
