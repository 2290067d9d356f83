import { defineCommand } from "../command.js";
import { EXIT } from "../exit-codes.js";
import { renderTenant } from "../render.js";

export default defineCommand({
  name: "tenant",
  group: "tenants",
  summary: "one tenant with its install codes (states only) and appliances (support/admin key)",
  tenant: true,
  flags: {},
  async run({ tenantId, client, print, tenantNotFound }) {
    const t = await client.getTenant(tenantId);
    if (!t) return tenantNotFound();
    print(t, renderTenant(t));
    return EXIT.OK;
  },
});
