// Admin mutations on a tenant's entitlement (vendors who bill outside Stripe, or corrections). Each
// acts on the tenant's current entitlement, runs under the tenant's lock and writes an audit event.
import {
  cancelEntitlement,
  changeEntitlementEdition,
  extendEntitlement,
  grantEntitlement,
  markEntitlementPastDue,
  setEntitlementSeats,
  type EntitlementChange,
} from "../domain/entitlements/admin.js";
import { badInput } from "../domain/errors.js";
import { builder } from "./builder.js";
import { EntitlementType } from "./entitlement.js";
import { EditionEnum } from "./enums.js";
import { TenantType } from "./tenant.js";

const adminOnly = { authScopes: { admin: true } } as const;

const EntitlementChangePayload = builder.objectRef<EntitlementChange>("EntitlementChangePayload").implement({
  fields: (t) => ({
    tenantId: t.exposeID("tenantId"),
    changed: t.exposeBoolean("changed", { description: "false when the entitlement already was so (nothing written)" }),
    retiredApplianceIds: t.exposeStringList("retiredApplianceIds", {
      description: "appliances whose credentials were retired to fit the seats (least recently checked in first)",
    }),
    entitlement: t.prismaField({
      type: EntitlementType,
      resolve: (query, p, _args, ctx) => ctx.services.prisma.entitlement.findUniqueOrThrow({ ...query, where: { id: p.entitlement.id } }),
    }),
    tenant: t.prismaField({
      type: TenantType,
      resolve: (query, p, _args, ctx) => ctx.services.prisma.tenantRegistry.findUniqueOrThrow({ ...query, where: { id: p.tenantId } }),
    }),
  }),
});

const reason = { description: "why (kept in the audit event)" };

const GrantEntitlementInput = builder.inputType("GrantEntitlementInput", {
  fields: (t) => ({
    tenantId: t.id({ required: true }),
    edition: t.field({ type: EditionEnum, required: true, description: "PRO or PREMIUM" }),
    validUntil: t.field({ type: "DateTime", required: false, description: "paid through (at most 100 years ahead); omitted: open-ended (until cancelled)" }),
    seats: t.int({ required: false, description: "appliances licensed at once (default 1)" }),
    stripeSubscriptionId: t.string({ required: false, description: "to let that subscription's webhooks drive it from now on" }),
    reason: t.string({ required: false, ...reason }),
  }),
});

const TenantEditionInput = builder.inputType("ChangeEntitlementEditionInput", {
  fields: (t) => ({
    tenantId: t.id({ required: true }),
    edition: t.field({ type: EditionEnum, required: true, description: "PRO or PREMIUM" }),
    reason: t.string({ required: false, ...reason }),
  }),
});

const SeatsInput = builder.inputType("SetEntitlementSeatsInput", {
  fields: (t) => ({
    tenantId: t.id({ required: true }),
    seats: t.int({ required: true }),
    reason: t.string({ required: false, ...reason }),
  }),
});

const ExtendInput = builder.inputType("ExtendEntitlementInput", {
  fields: (t) => ({
    tenantId: t.id({ required: true }),
    validUntil: t.field({ type: "DateTime", required: false, description: "the new paid-through time (in the future, at most 100 years ahead)" }),
    openEnded: t.boolean({ required: false, description: "true instead of validUntil: licensed until cancelled" }),
    reason: t.string({ required: false, ...reason }),
  }),
});

const TenantReasonInput = (name: string) =>
  builder.inputType(name, {
    fields: (t) => ({
      tenantId: t.id({ required: true }),
      reason: t.string({ required: false, ...reason }),
    }),
  });
const PastDueInput = TenantReasonInput("MarkEntitlementPastDueInput");
const CancelInput = TenantReasonInput("CancelEntitlementInput");

builder.mutationFields((t) => ({
  grantEntitlement: t.field({
    ...adminOnly,
    type: EntitlementChangePayload,
    description:
      "Admin. A new paid entitlement for a tenant without a live one (ESSENTIALS, cancelled, expired or past grace); refused with BAD_USER_INPUT " +
      "(reason ENTITLEMENT_EXISTS) when one is live. A paid appliance gets the edition at its next check-in; an ESSENTIALS appliance connects " +
      "with a code from reissueInstallCode (upgrade in place, same tenant).",
    args: { input: t.arg({ type: GrantEntitlementInput, required: true }) },
    resolve: (_root, { input }, ctx) => grantEntitlement(ctx.services, ctx, { ...input, tenantId: String(input.tenantId) }),
  }),
  changeEntitlementEdition: t.field({
    ...adminOnly,
    type: EntitlementChangePayload,
    description: "Admin. Upgrade or downgrade between PRO and PREMIUM: the new edition and its features arrive at each appliance's next check-in.",
    args: { input: t.arg({ type: TenantEditionInput, required: true }) },
    resolve: (_root, { input }, ctx) => changeEntitlementEdition(ctx.services, ctx, { ...input, tenantId: String(input.tenantId) }),
  }),
  setEntitlementSeats: t.field({
    ...adminOnly,
    type: EntitlementChangePayload,
    description:
      "Admin. Appliances licensed at once. Fewer seats than licensed appliances retire the excess credentials at once (least recently checked in first, audited).",
    args: { input: t.arg({ type: SeatsInput, required: true }) },
    resolve: (_root, { input }, ctx) => setEntitlementSeats(ctx.services, ctx, { ...input, tenantId: String(input.tenantId) }),
  }),
  extendEntitlement: t.field({
    ...adminOnly,
    type: EntitlementChangePayload,
    description:
      "Admin. A new validUntil (or openEnded: true); payment received: a PAST_DUE or EXPIRED entitlement becomes ACTIVE. A cancelled one is refused (grant a new one).",
    args: { input: t.arg({ type: ExtendInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      const open = input.openEnded === true;
      if (open === (input.validUntil != null)) throw badInput("pass exactly one of validUntil or openEnded: true", "validUntil");
      return extendEntitlement(ctx.services, ctx, { tenantId: String(input.tenantId), validUntil: open ? null : input.validUntil!, reason: input.reason });
    },
  }),
  markEntitlementPastDue: t.field({
    ...adminOnly,
    type: EntitlementChangePayload,
    description:
      "Admin. Payment overdue: still licensed until validUntil + ENTITLEMENT_GRACE_SECONDS (open-ended: from now + grace), then check-in answers ENTITLEMENT_LAPSED.",
    args: { input: t.arg({ type: PastDueInput, required: true }) },
    resolve: (_root, { input }, ctx) => markEntitlementPastDue(ctx.services, ctx, { ...input, tenantId: String(input.tenantId) }),
  }),
  cancelEntitlement: t.field({
    ...adminOnly,
    type: EntitlementChangePayload,
    description:
      "Admin. Ends the entitlement now: the next check-in answers ENTITLEMENT_LAPSED (the appliance keeps its credential and runs as ESSENTIALS once its " +
      "current token expires); the registry edition becomes ESSENTIALS. A new grant (or subscription) restores licensing at the next check-in.",
    args: { input: t.arg({ type: CancelInput, required: true }) },
    resolve: (_root, { input }, ctx) => cancelEntitlement(ctx.services, ctx, { ...input, tenantId: String(input.tenantId) }),
  }),
}));
