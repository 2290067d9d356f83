import type { OverdueAppliancePage } from "../../client.js";
import type { ApplianceHealth } from "../../generated/graphql.js";
import { defineCommand, option } from "../command.js";
import { EXIT } from "../exit-codes.js";
import { positiveInt, upperList } from "../inputs.js";

const when = (iso: string | null | undefined) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$/, " UTC") : "—");

export function renderOverdue(page: OverdueAppliancePage): string {
  if (page.edges.length === 0) return "No appliance in that health.";
  const lines = page.edges.map(({ node: a }) =>
    [
      `${a.health ?? "—"}  ${a.applianceId}  (${a.tenant.companyName}, ${a.tenant.contactEmail})`,
      `    since ${when(a.healthChangedAt)}   last check-in ${when(a.lastCheckInAt)}   license expires ${when(a.licenseExpiresAt)}`,
      `    tenant ${a.tenant.id}   version ${a.version ?? "—"}`,
    ].join("\n"),
  );
  if (page.pageInfo.hasNextPage) lines.push(`More: --after ${page.pageInfo.endCursor}`);
  return lines.join("\n");
}

export default defineCommand({
  name: "overdue",
  group: "tenants",
  summary: "appliances of every tenant that are OVERDUE or DARK, longest first (support/admin key)",
  flags: {
    health: option("H[,H]", "only these health states (HEALTHY, OVERDUE, DARK, OFFLINE)", { default: "OVERDUE,DARK", parse: upperList<ApplianceHealth> }),
    first: option("N", "appliances per page", { default: "50", parse: positiveInt }),
    after: option("CURSOR", "the page after this cursor (from the previous page)"),
  },
  async run({ flags, client, print }) {
    const page = await client.overdueAppliances({ first: flags.first, after: flags.after, health: flags.health });
    print(page, renderOverdue(page));
    return EXIT.OK;
  },
});
