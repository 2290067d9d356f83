import type { DeploymentType, Edition, TenantStatus } from "../../generated/graphql.js";
import { defineCommand, option } from "../command.js";
import { EXIT } from "../exit-codes.js";
import { positiveInt, upperList } from "../inputs.js";
import { renderTenantPage } from "../render.js";

export default defineCommand({
  name: "tenants",
  group: "tenants",
  summary: "one page of tenants, newest first (support/admin key)",
  flags: {
    search: option("TEXT", "in company names and contact emails"),
    status: option("S[,S]", "only these statuses", { parse: upperList<TenantStatus> }),
    edition: option("E[,E]", "only these editions", { parse: upperList<Edition> }),
    deployment: option("D[,D]", "only these deployment types", { parse: upperList<DeploymentType> }),
    first: option("N", "tenants per page", { default: "20", parse: positiveInt }),
    after: option("CURSOR", "the page after this cursor (from the previous page)"),
  },
  async run({ flags, client, print }) {
    const page = await client.findTenants({
      first: flags.first,
      after: flags.after,
      filter: { search: flags.search, status: flags.status, edition: flags.edition, deploymentType: flags.deployment },
    });
    print(page, renderTenantPage(page));
    return EXIT.OK;
  },
});
