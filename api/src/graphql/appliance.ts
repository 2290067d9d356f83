import { builder } from "./builder.js";
import { ActivationModeEnum, EditionEnum, SeatReportChainEnum } from "./enums.js";

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
    activationMode: t.expose("activationMode", { type: ActivationModeEnum }),
    offlineRenewalDueAt: t.expose("offlineRenewalDueAt", {
      type: "DateTime",
      nullable: true,
      description: "OFFLINE appliances: when the current license file runs out, so the next renewal file is due by then",
    }),
    applianceKeyThumbprint: t.exposeString("publicKeyThumbprint", {
      nullable: true,
      description: "RFC 7638 thumbprint of the appliance's own key (its licenses carry it as cnf.jkt); null: none was sent",
    }),
    seatReports: t.relation("seatReports", {
      description: "The seat/usage reports its offline renewals carried, newest first (at most 50)",
      query: { orderBy: [{ createdAt: "desc" }, { seq: "desc" }], take: 50 },
    }),
    seatReportChain: t.field({
      type: SeatReportChainEnum,
      nullable: true,
      description: "The newest report's chain status: anything but OK/FIRST means a report is missing (GAP) or was replayed (REPLAYED). null: no report yet",
      select: { seatReports: { select: { chain: true }, orderBy: [{ createdAt: "desc" }, { seq: "desc" }], take: 1 } },
      resolve: (a) => a.seatReports[0]?.chain ?? null,
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});
