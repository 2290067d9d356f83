import { reissueInstallCode, type ReissueResult } from "../domain/reissue-install-code.js";
import { builder } from "./builder.js";

const ReissueInstallCodeInput = builder.inputType("ReissueInstallCodeInput", {
  description: "Exactly one of contactEmail or tenantId.",
  fields: (t) => ({
    contactEmail: t.string({ required: false }),
    tenantId: t.id({ required: false }),
  }),
});

const ReissueInstallCodePayload = builder.objectRef<ReissueResult>("ReissueInstallCodePayload").implement({
  fields: (t) => ({
    tenantId: t.exposeID("tenantId"),
    installCode: t.exposeString("installCode"),
    installCodeExpiresAt: t.expose("installCodeExpiresAt", { type: "DateTime" }),
    downloadUrl: t.exposeString("downloadUrl"),
    downloadUrlExpiresAt: t.expose("downloadUrlExpiresAt", { type: "DateTime" }),
    revokedCodes: t.exposeInt("revokedCodes", { description: "unconsumed codes this call revoked" }),
  }),
});

builder.mutationField("reissueInstallCode", (t) =>
  t.field({
    type: ReissueInstallCodePayload,
    authScopes: { store: true, admin: true },
    args: { input: t.arg({ type: ReissueInstallCodeInput, required: true }) },
    resolve: (_root, { input }, ctx) => reissueInstallCode(ctx.services, ctx, { contactEmail: input.contactEmail, tenantId: input.tenantId?.toString() }),
  }),
);
