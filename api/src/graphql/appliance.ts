import { builder } from "./builder.js";
import { EditionEnum } from "./enums.js";

export const ApplianceType = builder.prismaObject("Appliance", {
  authScopes: { support: true, admin: true },
  select: { id: true },
  fields: (t) => ({
    id: t.exposeID("id"),
    applianceId: t.exposeString("applianceId"),
    edition: t.expose("edition", { type: EditionEnum }),
    credentialActive: t.boolean({
      description: "false for essentials (no credential) and after an admin revoked it",
      select: { credentialDigest: true, credentialRevokedAt: true },
      resolve: (a) => a.credentialDigest !== null && a.credentialRevokedAt === null,
    }),
    credentialRevokedAt: t.expose("credentialRevokedAt", { type: "DateTime", nullable: true }),
    licenseExpiresAt: t.expose("licenseExpiresAt", { type: "DateTime", nullable: true }),
    licenseJti: t.exposeString("licenseJti", { nullable: true }),
    lastCheckInAt: t.expose("lastCheckInAt", { type: "DateTime", nullable: true }),
    version: t.exposeString("reportedVersion", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});
