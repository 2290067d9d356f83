import { defineCommand } from "../command.js";
import { printChange, REASON } from "./entitlement-change.js";

export default defineCommand({
  name: "cancel",
  group: "entitlements",
  summary: "ends the entitlement now: check-ins answer ENTITLEMENT_LAPSED (admin key)",
  tenant: true,
  flags: { reason: REASON },
  async run(ctx) {
    return printChange(ctx, await ctx.client.cancelEntitlement({ tenantId: ctx.tenantId, reason: ctx.flags.reason }));
  },
});
