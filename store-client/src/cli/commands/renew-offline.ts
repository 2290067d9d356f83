import { writeFileSync } from "node:fs";
import { defineCommand, option } from "../command.js";
import { EXIT } from "../exit-codes.js";
import { requestFile } from "../inputs.js";
import { renderOfflineRenewal } from "../render.js";

export default defineCommand({
  name: "renew-offline",
  group: "tenants",
  summary: "answers an offline appliance's renewal request file with a new license file and records its seat report (store/support/admin key)",
  flags: {
    request: option("FILE", "the renewal request file the appliance wrote (alga-license renewal-request); - reads stdin", {
      required: true,
      parse: requestFile,
    }),
    out: option("FILE", "where to write the response file for the appliance", { required: true }),
  },
  async run({ flags, client, print }) {
    const r = await client.renewOffline(flags.request);
    writeFileSync(flags.out, r.response, { mode: 0o600 });
    const { response: _response, ...summary } = r;
    print({ ...summary, out: flags.out }, renderOfflineRenewal(r, flags.out));
    return EXIT.OK;
  },
});
