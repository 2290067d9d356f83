import { defineCommand, option } from "../command.js";
import { EXIT } from "../exit-codes.js";
import { positiveInt } from "../inputs.js";
import { renderEntitlementHistory } from "../render.js";

export default defineCommand({
  name: "entitlements",
  group: "entitlements",
  summary: "a tenant's entitlement history: each change with its admin key or Stripe event",
  tenant: true,
  flags: {
    last: option("N", "the newest N changes (default 50)", { parse: positiveInt }),
  },
  async run({ flags, tenantId, client, print, tenantNotFound }) {
    const t = await client.getEntitlement(tenantId, { last: flags.last });
    if (!t) return tenantNotFound();
    print(t, renderEntitlementHistory(t));
    return EXIT.OK;
  },
});
