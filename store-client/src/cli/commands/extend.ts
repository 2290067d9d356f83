import { defineCommand, toggle } from "../command.js";
import { printChange, REASON, VALID_UNTIL } from "./entitlement-change.js";

export default defineCommand({
  name: "extend",
  group: "entitlements",
  summary: "a new paid-through date, or open-ended; reinstates a past-due or expired entitlement (admin key)",
  tenant: true,
  flags: { "valid-until": VALID_UNTIL, "open-ended": toggle("no end date"), reason: REASON },
  exactlyOne: [["valid-until", "open-ended"]],
  async run(ctx) {
    const { flags, tenantId, client } = ctx;
    const change = await client.extendEntitlement({
      tenantId,
      validUntil: flags["valid-until"],
      openEnded: flags["open-ended"] ? true : undefined,
      reason: flags.reason,
    });
    return printChange(ctx, change);
  },
});
