import { defineCommand, option } from "../command.js";
import { EXIT } from "../exit-codes.js";
import { renderReissued } from "../render.js";

export default defineCommand({
  name: "reissue",
  group: "tenants",
  summary: "revokes a tenant's unused install codes and emails a fresh one (store key)",
  flags: {
    email: option("EMAIL", "the tenant's contact email"),
    tenant: option("TENANT_ID", "the tenant's id"),
  },
  exactlyOne: [["email", "tenant"]],
  async run({ flags, client, print }) {
    const r = await client.reissueInstallCode({ contactEmail: flags.email, tenantId: flags.tenant });
    print(r, renderReissued(r));
    return EXIT.OK;
  },
});
