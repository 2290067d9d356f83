import type { DeploymentType, Edition } from "../../generated/graphql.js";
import { defineCommand, option } from "../command.js";
import { EXIT } from "../exit-codes.js";
import { upper } from "../inputs.js";
import { renderRegistered } from "../render.js";

export default defineCommand({
  name: "register",
  group: "tenants",
  summary: "registers a customer: tenant, install code and ISO link, emailed to the customer (store key)",
  flags: {
    company: option("NAME", "the customer's company name", { required: true }),
    email: option("EMAIL", "the contact the install code is emailed to", { required: true }),
    edition: option("essentials|pro|premium", "the edition bought", { required: true, parse: upper<Edition> }),
    deployment: option("appliance|hosted", "how the customer runs it (default appliance)", { parse: upper<DeploymentType> }),
    "stripe-customer": option("ID", "the order's Stripe customer"),
    "stripe-subscription": option("ID", "the order's Stripe subscription"),
    "idempotency-key": option("KEY", "the order's id: a retry with it never registers twice"),
  },
  async run({ flags, client, print }) {
    const r = await client.registerTenant({
      companyName: flags.company,
      contactEmail: flags.email,
      edition: flags.edition,
      deploymentType: flags.deployment,
      stripeCustomerId: flags["stripe-customer"],
      stripeSubscriptionId: flags["stripe-subscription"],
      idempotencyKey: flags["idempotency-key"],
    });
    print(r, renderRegistered(r));
    return EXIT.OK;
  },
});
