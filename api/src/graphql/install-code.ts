// Install codes as support sees them: metadata and state only. The code itself is never stored,
// so it cannot be shown.
import { installCodeState } from "../domain/install-code-state.js";
import { builder } from "./builder.js";
import { InstallCodeStateEnum } from "./enums.js";

export const InstallCodeType = builder.prismaObject("InstallCode", {
  authScopes: { support: true, admin: true },
  select: { id: true },
  fields: (t) => ({
    id: t.exposeID("id"),
    state: t.field({
      type: InstallCodeStateEnum,
      select: { revokedAt: true, consumedAt: true, expiresAt: true },
      resolve: (c) => installCodeState(c),
    }),
    paid: t.boolean({
      description: "true when the code carries an entitlement (paid edition)",
      select: { entitlementId: true },
      resolve: (c) => c.entitlementId !== null,
    }),
    entitlement: t.relation("entitlement", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    expiresAt: t.expose("expiresAt", { type: "DateTime" }),
    consumedAt: t.expose("consumedAt", { type: "DateTime", nullable: true }),
    consumedByApplianceId: t.exposeString("consumedBy", { nullable: true }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
  }),
});
