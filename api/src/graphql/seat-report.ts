import { builder } from "./builder.js";
import { EditionEnum, SeatReportChainEnum } from "./enums.js";

export const SeatReportType = builder.prismaObject("SeatReport", {
  authScopes: { support: true, admin: true },
  description: "A seat/usage report an offline appliance's renewal request carried (signed with the request), hash-chained to the previous one.",
  select: { id: true },
  fields: (t) => ({
    id: t.exposeID("id"),
    seq: t.exposeInt("seq"),
    chain: t.expose("chain", { type: SeatReportChainEnum }),
    hash: t.exposeString("hash", { description: "base64url SHA-256 of the report's canonical JSON" }),
    prev: t.exposeString("prev", { nullable: true, description: "the previous report's hash, as this report says (null: the first)" }),
    from: t.expose("periodFrom", { type: "DateTime" }),
    until: t.expose("periodUntil", { type: "DateTime" }),
    edition: t.expose("edition", { type: EditionEnum }),
    version: t.exposeString("version", { description: "the appliance's tool version" }),
    licensedUntil: t.expose("licensedUntil", { type: "DateTime", nullable: true, description: "exp of the license it ran under" }),
    clockSkewSeconds: t.exposeInt("skewSeconds", { nullable: true, description: "appliance clock minus the newest server-signed time it had seen" }),
    licenseJti: t.exposeString("licenseJti", { nullable: true, description: "the license issued in answer (null: the request was refused)" }),
    receivedAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});
