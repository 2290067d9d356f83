import { defineCommand } from "../command.js";
import { PAID_EDITION, printChange, REASON } from "./entitlement-change.js";

export default defineCommand({
  name: "set-edition",
  group: "entitlements",
  summary: "PRO ↔ PREMIUM; appliances get it at their next check-in (admin key)",
  tenant: true,
  flags: { edition: PAID_EDITION, reason: REASON },
  async run(ctx) {
    const { flags, tenantId, client } = ctx;
    return printChange(ctx, await client.changeEntitlementEdition({ tenantId, edition: flags.edition, reason: flags.reason }));
  },
});
