import { defineCommand, option } from "../command.js";
import { PAID_EDITION, printChange, REASON, SEATS, VALID_UNTIL } from "./entitlement-change.js";

export default defineCommand({
  name: "grant",
  group: "entitlements",
  summary: "a new entitlement for a tenant without a live one (admin key)",
  tenant: true,
  flags: {
    edition: PAID_EDITION,
    seats: SEATS,
    "valid-until": VALID_UNTIL,
    "stripe-subscription": option("ID", "the Stripe subscription behind it"),
    reason: REASON,
  },
  async run(ctx) {
    const { flags, tenantId, client } = ctx;
    const change = await client.grantEntitlement({
      tenantId,
      edition: flags.edition,
      seats: flags.seats,
      validUntil: flags["valid-until"],
      stripeSubscriptionId: flags["stripe-subscription"],
      reason: flags.reason,
    });
    return printChange(ctx, change);
  },
});
