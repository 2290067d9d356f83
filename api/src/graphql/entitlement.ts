// Entitlement as support sees it: the stored lifecycle (status, validUntil, seats, the Stripe link)
// and what it means right now for a license (standing, licensedUntil), decided by the same rule as
// redemption and check-in (domain/license-terms.ts).
import type { EntitlementRow } from "../data/entitlements.js";
import { licensedUntil, licenseTerms } from "../domain/license-terms.js";
import { builder } from "./builder.js";
import { EditionEnum, EntitlementStatusEnum } from "./enums.js";

export const EntitlementStandingEnum = builder.enumType("EntitlementStanding", {
  description: "What a check-in gets from this entitlement now (if it is the tenant's current one).",
  values: {
    LICENSED: { description: "ACTIVE within validUntil: a paid license" },
    IN_GRACE: { description: "PAST_DUE, or past validUntil but within ENTITLEMENT_GRACE_SECONDS: still a paid license, expiring no later than licensedUntil" },
    LAPSED: { description: "CANCELLED, EXPIRED, or past the grace period: check-in answers ENTITLEMENT_LAPSED" },
  } as const,
});

const TERMS_SELECT = { id: true, tenantId: true, edition: true, status: true, validUntil: true, pastDueSince: true, seats: true } as const;

export const EntitlementType = builder.prismaObject("Entitlement", {
  authScopes: { support: true, admin: true },
  description:
    "A tenant's paid licensing. The newest entitlement of a tenant is its current one. Driven by Stripe webhooks (POST /webhooks/stripe) " +
    "or the admin mutations; every change is an entitlement.* audit event (Tenant.entitlementHistory).",
  fields: (t) => ({
    id: t.exposeID("id"),
    edition: t.expose("edition", { type: EditionEnum }),
    status: t.expose("status", {
      type: EntitlementStatusEnum,
      description:
        "ACTIVE: licensed until validUntil (+ grace). PAST_DUE: payment overdue, still licensed until validUntil + ENTITLEMENT_GRACE_SECONDS " +
        "(from pastDueSince when open-ended). CANCELLED / EXPIRED: no paid license — check-in answers ENTITLEMENT_LAPSED, the appliance keeps " +
        "its credential and runs as ESSENTIALS once its current token expires; a renewal restores it at the next check-in.",
    }),
    stripeSubscriptionId: t.exposeString("stripeSubscriptionId", { nullable: true }),
    stripePriceId: t.exposeString("stripePriceId", { nullable: true }),
    validUntil: t.expose("validUntil", {
      type: "DateTime",
      nullable: true,
      description: "Paid through (null: open-ended, until cancelled). Stripe moves it forward on invoice.paid and active subscription periods.",
    }),
    pastDueSince: t.expose("pastDueSince", { type: "DateTime", nullable: true }),
    cancelledAt: t.expose("cancelledAt", { type: "DateTime", nullable: true }),
    seats: t.exposeInt("seats", {
      description:
        "Appliances licensed at once. Redeeming beyond it retires the least recently checked-in appliance's credential (SEAT_OVERFLOW=retire-oldest) or is refused (refuse).",
    }),
    stripeUpdatedAt: t.expose("stripeUpdatedAt", {
      type: "DateTime",
      nullable: true,
      description: "Stripe's time of the last subscription event applied; older subscription events are skipped as stale.",
    }),
    licensedUntil: t.field({
      type: "DateTime",
      nullable: true,
      description: "The last moment this entitlement may license (validUntil + grace); no license's exp is later. Null: open-ended.",
      select: TERMS_SELECT,
      resolve: (e, _args, ctx) => licensedUntil(e, ctx.services.entitlements.graceSeconds),
    }),
    standing: t.field({
      type: EntitlementStandingEnum,
      select: TERMS_SELECT,
      resolve: (e, _args, ctx) => {
        const s = ctx.services;
        const terms = licenseTerms(e as EntitlementRow, s.clock(), { licenseTtlSeconds: s.licenseTtlSeconds, graceSeconds: s.entitlements.graceSeconds });
        return terms.kind === "paid" ? (terms.inGrace ? "IN_GRACE" : "LICENSED") : "LAPSED";
      },
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});
