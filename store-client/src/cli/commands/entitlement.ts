import { defineCommand } from "../command.js";
import { EXIT } from "../exit-codes.js";
import { renderEntitlement } from "../render.js";

export default defineCommand({
  name: "entitlement",
  group: "entitlements",
  summary: "a tenant's current entitlement, seats and seats used",
  tenant: true,
  flags: {},
  async run({ tenantId, client, print, tenantNotFound }) {
    const t = await client.getEntitlement(tenantId);
    if (!t) return tenantNotFound();
    print(t, renderEntitlement(t));
    return EXIT.OK;
  },
});
