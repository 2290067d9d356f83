import { checkIn, type CheckInResult } from "../domain/check-in.js";
import { builder } from "./builder.js";
import { EditionEnum } from "./enums.js";

const CheckInInput = builder.inputType("CheckInInput", {
  fields: (t) => ({
    applianceId: t.string({ required: true }),
    applianceVersion: t.string({ required: false }),
  }),
});

const CheckInPayload = builder.objectRef<CheckInResult>("CheckInPayload").implement({
  fields: (t) => ({
    token: t.exposeString("token"),
    expiresAt: t.expose("expiresAt", { type: "DateTime" }),
    tenantId: t.exposeID("tenantId"),
    edition: t.expose("edition", { type: EditionEnum }),
  }),
});

builder.mutationField("checkIn", (t) =>
  t.field({
    type: CheckInPayload,
    description:
      "Appliance principal (Authorization: Bearer <applianceCredential>). Re-signs the license (aud = the tenant; exp never past the entitlement's validUntil + grace). " +
      "Errors: TENANT_SUSPENDED; ENTITLEMENT_LAPSED when the subscription is cancelled or expired past its grace (no paid license: the appliance keeps its credential, " +
      "runs as ESSENTIALS once its token expires, and a renewal restores it at the next check-in); UNAUTHENTICATED for a revoked credential; " +
      "FORBIDDEN for any appliance id but the credential's own; SERVICE_BUSY / SERVICE_UNAVAILABLE (retryable, honour Retry-After).",
    authScopes: { appliance: true },
    args: { input: t.arg({ type: CheckInInput, required: true }) },
    resolve: (_root, { input }, ctx) => checkIn(ctx.services, ctx, input),
  }),
);
