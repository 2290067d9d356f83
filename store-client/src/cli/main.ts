#!/usr/bin/env node
// alga-store: the sales/support CLI on the store client. ALGA_LICENSE_URL and ALGA_LICENSE_API_KEY
// configure it; --json prints machine-readable results; exit codes per kind of failure (exit-codes.ts).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createStoreClient } from "../client.js";
import { AlgaLicenseError } from "@alga-license/contract";
import type { DeploymentType, Edition, TenantStatus } from "../generated/graphql.js";
import { EXIT, exitCodeFor } from "./exit-codes.js";
import { renderRegistered, renderReissued, renderTenant, renderTenantPage } from "./render.js";

const USAGE = `usage: alga-store <command> [options]

commands:
  register --company NAME --email EMAIL --edition essentials|pro|premium
           [--deployment appliance|hosted] [--stripe-customer ID] [--stripe-subscription ID]
           [--idempotency-key KEY]
  reissue  (--email EMAIL | --tenant TENANT_ID)
  tenant   TENANT_ID
  tenants  [--search TEXT] [--status S[,S]] [--edition E[,E]] [--deployment D] [--first N] [--after CURSOR]

options:
  --json              machine-readable output on stdout
  --url URL           control plane base URL (default: $ALGA_LICENSE_URL)
  --api-key-file F    read the API key from a file (default: $ALGA_LICENSE_API_KEY)
  --timeout MS        per-request timeout (default 10000)

exit codes: 0 ok, 1 failed, 2 bad usage or input, 3 not found, 4 ambiguous tenant,
            5 unauthenticated/forbidden, 6 service unreachable or timed out,
            7 refused (suspended tenant, rate limited)`;

class UsageError extends Error {}

const list = <T extends string>(value: string | undefined): T[] | undefined =>
  value ? (value.split(",").map((v) => v.trim().toUpperCase()).filter(Boolean) as T[]) : undefined;

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required`);
  return value;
}

async function main(argv: string[]): Promise<number> {
  let json = false;
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: "boolean" },
        url: { type: "string" },
        "api-key-file": { type: "string" },
        timeout: { type: "string" },
        company: { type: "string" },
        email: { type: "string" },
        edition: { type: "string" },
        deployment: { type: "string" },
        "stripe-customer": { type: "string" },
        "stripe-subscription": { type: "string" },
        "idempotency-key": { type: "string" },
        tenant: { type: "string" },
        search: { type: "string" },
        status: { type: "string" },
        first: { type: "string" },
        after: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    json = values.json ?? false;
    const [command, arg] = positionals;
    if (values.help) {
      console.log(USAGE);
      return EXIT.OK;
    }
    if (!command) throw new UsageError("missing command");
    const apiKey = values["api-key-file"] ? readFileSync(values["api-key-file"], "utf8").trim() : undefined;
    const timeoutMs = values.timeout ? Number(values.timeout) : undefined;
    if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new UsageError("--timeout must be a positive number of milliseconds");
    const client = createStoreClient({ baseUrl: values.url, apiKey, timeoutMs });
    const print = (result: unknown, human: string) => console.log(json ? JSON.stringify(result, null, 2) : human);

    switch (command) {
      case "register": {
        const r = await client.registerTenant({
          companyName: required(values.company, "--company"),
          contactEmail: required(values.email, "--email"),
          edition: required(values.edition, "--edition").toUpperCase() as Edition,
          deploymentType: values.deployment?.toUpperCase() as DeploymentType | undefined,
          stripeCustomerId: values["stripe-customer"],
          stripeSubscriptionId: values["stripe-subscription"],
          idempotencyKey: values["idempotency-key"],
        });
        print(r, renderRegistered(r));
        return EXIT.OK;
      }
      case "reissue": {
        if (!values.email === !values.tenant) throw new UsageError("pass exactly one of --email or --tenant");
        const r = await client.reissueInstallCode({ contactEmail: values.email, tenantId: values.tenant });
        print(r, renderReissued(r));
        return EXIT.OK;
      }
      case "tenant": {
        const t = await client.getTenant(required(arg ?? values.tenant, "TENANT_ID"));
        if (!t) {
          if (json) console.log(JSON.stringify({ error: { code: "TENANT_NOT_FOUND", message: "no tenant has this id" } }));
          else console.error("no tenant has this id");
          return EXIT.NOT_FOUND;
        }
        print(t, renderTenant(t));
        return EXIT.OK;
      }
      case "tenants": {
        const first = values.first ? Number(values.first) : 20;
        if (!Number.isInteger(first) || first < 1) throw new UsageError("--first must be a positive integer");
        const page = await client.findTenants({
          first,
          after: values.after,
          filter: {
            search: values.search,
            status: list<TenantStatus>(values.status),
            edition: list<Edition>(values.edition),
            deploymentType: list<DeploymentType>(values.deployment),
          },
        });
        print(page, renderTenantPage(page));
        return EXIT.OK;
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (err) {
    if (err instanceof AlgaLicenseError) {
      if (json) console.log(JSON.stringify({ error: { ...err.details, message: err.message, attempts: err.attempts } }, null, 2));
      else {
        console.error(`error ${err.code}: ${err.message}`);
        if (err.details.code === "AMBIGUOUS_TENANT") console.error(`  candidates (use --tenant): ${err.details.tenantIds.join(", ")}`);
      }
      return exitCodeFor(err.code);
    }
    const usage = err instanceof UsageError || (err instanceof Error && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS"));
    const message = err instanceof Error ? err.message : String(err);
    if (json) console.log(JSON.stringify({ error: { code: usage ? "USAGE" : "FAILED", message } }));
    else console.error(usage ? `${message}\n\n${USAGE}` : `error: ${message}`);
    return usage || (err instanceof TypeError && message.includes("base URL")) ? EXIT.USAGE : EXIT.FAILED;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
