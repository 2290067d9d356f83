import { defineCommand } from "../command.js";
import { printChange, REASON, SEATS } from "./entitlement-change.js";

export default defineCommand({
  name: "set-seats",
  group: "entitlements",
  summary: "seats; fewer seats retire the least recently checked-in appliances (admin key)",
  tenant: true,
  flags: { seats: { ...SEATS, required: true as const }, reason: REASON },
  async run(ctx) {
    const { flags, tenantId, client } = ctx;
    return printChange(ctx, await client.setEntitlementSeats({ tenantId, seats: flags.seats, reason: flags.reason }));
  },
});
