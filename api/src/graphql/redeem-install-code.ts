import { redeemInstallCode, type RedeemResult } from "../domain/redeem-install-code.js";
import { builder } from "./builder.js";
import { EditionEnum } from "./enums.js";

const RedeemInstallCodeInput = builder.inputType("RedeemInstallCodeInput", {
  fields: (t) => ({
    installCode: t.string({ required: true, description: "case- and dash-insensitive" }),
    applianceId: t.string({ required: true }),
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
  }),
});

builder.mutationField("redeemInstallCode", (t) =>
  t.field({
    type: RedeemInstallCodePayload,
    description: "No principal: the install code is the credential. Atomic single use.",
    args: { input: t.arg({ type: RedeemInstallCodeInput, required: true }) },
    resolve: (_root, { input }, ctx) => redeemInstallCode(ctx.services, ctx, input),
  }),
);
