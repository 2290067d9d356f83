import { defineCommand } from "../command.js";
import { printChange, REASON } from "./entitlement-change.js";

export default defineCommand({
  name: "past-due",
  group: "entitlements",
  summary: "payment overdue: licensed until paid-through + grace, then lapsed (admin key)",
  tenant: true,
  flags: { reason: REASON },
  async run(ctx) {
    return printChange(ctx, await ctx.client.markEntitlementPastDue({ tenantId: ctx.tenantId, reason: ctx.flags.reason }));
  },
});
