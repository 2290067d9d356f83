import { writeFileSync } from "node:fs";
import { defineCommand, option } from "../command.js";
import { EXIT } from "../exit-codes.js";
import { requestFile } from "../inputs.js";
import { renderOfflineActivation } from "../render.js";

export default defineCommand({
  name: "activate-offline",
  group: "tenants",
  summary: "answers an air-gapped appliance's activation request file with a response file; uses its install code (store/support/admin key)",
  flags: {
    request: option("FILE", "the request file the appliance wrote (alga-setup offline-request); - reads stdin", { required: true, parse: requestFile }),
    out: option("FILE", "where to write the response file for the appliance", { required: true }),
  },
  async run({ flags, client, print }) {
    const r = await client.activateOffline(flags.request);
    writeFileSync(flags.out, r.response, { mode: 0o600 });
    print({ tenantId: r.tenantId, edition: r.edition, out: flags.out }, renderOfflineActivation(r, flags.out));
    return EXIT.OK;
  },
});
