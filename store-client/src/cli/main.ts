#!/usr/bin/env node
// alga-store: the sales/support CLI on the store client. ALGA_LICENSE_URL and ALGA_LICENSE_API_KEY
// configure it; --json prints machine-readable results; exit codes per kind of failure (exit-codes.ts).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createStoreClient } from "../client.js";
import { AlgaLicenseError, parseBaseUrl } from "@alga-license/contract";
import type { DeploymentType, Edition, TenantStatus } from "../generated/graphql.js";
import { EXIT, exitCodeFor } from "./exit-codes.js";
import {
  renderEntitlement,
  renderEntitlementChange,
  renderEntitlementHistory,
  renderRegistered,
  renderReissued,
  renderTenant,
  renderTenantPage,
} from "./render.js";

const USAGE = `usage: alga-store <command> [options]

commands:
  register --company NAME --email EMAIL --edition essentials|pro|premium
           [--deployment appliance|hosted] [--stripe-customer ID] [--stripe-subscription ID]
           [--idempotency-key KEY]
  reissue  (--email EMAIL | --tenant TENANT_ID)
  tenant   TENANT_ID
  tenants  [--search TEXT] [--status S[,S]] [--edition E[,E]] [--deployment D] [--first N] [--after CURSOR]

entitlements (support/admin key to read, admin key to change; --reason TEXT is kept in the audit):
  entitlement  TENANT_ID                      current entitlement, seats and seats used
  entitlements TENANT_ID [--last N]           the entitlement history (admin and Stripe changes)
  grant        TENANT_ID --edition pro|premium [--seats N] [--valid-until DATE] [--stripe-subscription ID]
  set-edition  TENANT_ID --edition pro|premium
  set-seats    TENANT_ID --seats N            fewer seats retire the least recently checked-in appliances
  extend       TENANT_ID (--valid-until DATE | --open-ended)
  past-due     TENANT_ID
  cancel       TENANT_ID

options:
  --json              machine-readable output on stdout
  --url URL           control plane base URL (default: $ALGA_LICENSE_URL)
  --api-key-file F    read the API key from a file (default: $ALGA_LICENSE_API_KEY)
  --timeout MS        per-request timeout (default 10000)

exit codes: 0 ok, 1 failed, 2 bad usage or input, 3 not found, 4 ambiguous tenant,
            5 unauthenticated/forbidden, 6 service unreachable or timed out,
            7 refused (suspended tenant, rate limited)`;

const URL_HINT = "pass --url URL or set ALGA_LICENSE_URL, e.g. --url https://license.example.com";

/** The control plane URL from --url or ALGA_LICENSE_URL, checked here so a mistake is a usage error naming its source. */
function baseUrlFrom(flag: string | undefined): string {
  const raw = flag ?? process.env.ALGA_LICENSE_URL?.trim();
  if (!raw) throw new SettingError(`no license service URL: ${URL_HINT}`);
  try {
    return parseBaseUrl(raw, flag !== undefined ? "--url" : "ALGA_LICENSE_URL").href;
  } catch (err) {
    throw new SettingError((err as Error).message);
  }
}

function readKeyFile(file: string): string {
  try {
    const key = readFileSync(file, "utf8").trim();
    if (!key) throw new SettingError(`--api-key-file ${file} is empty`);
    return key;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as { code?: string }).code;
    throw new SettingError(`--api-key-file ${file}: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (err as Error).message}`);
  }
}

/** "2031-01-31" or an ISO date-time → ISO string */
function dateArg(value: string, flag: string): string {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`${flag} "${value}" is not a date: use YYYY-MM-DD or an ISO date-time such as 2031-01-31T12:00:00Z`);
  return d.toISOString();
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive whole number`);
  return n;
}

function paidEdition(value: string | undefined): Edition {
  const e = required(value, "--edition").toUpperCase();
  if (e !== "PRO" && e !== "PREMIUM") throw new UsageError("--edition must be pro or premium");
  return e;
}

class UsageError extends Error {}
/** a wrong setting (URL, key file): its message alone says what to fix, without the whole usage text */
class SettingError extends UsageError {}

const list = <T extends string>(value: string | undefined): T[] | undefined =>
  value ? (value.split(",").map((v) => v.trim().toUpperCase()).filter(Boolean) as T[]) : undefined;

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required`);
  return value;
}

async function main(argv: string[]): Promise<number> {
  let json = false;
  let keyGiven = false;
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
        seats: { type: "string" },
        "valid-until": { type: "string" },
        "open-ended": { type: "boolean" },
        reason: { type: "string" },
        last: { type: "string" },
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
    const apiKey = values["api-key-file"] ? readKeyFile(values["api-key-file"]) : undefined;
    keyGiven = Boolean(apiKey ?? process.env.ALGA_LICENSE_API_KEY?.trim());
    const timeoutMs = values.timeout ? Number(values.timeout) : undefined;
    if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new UsageError("--timeout must be a positive number of milliseconds");
    const client = createStoreClient({ baseUrl: baseUrlFrom(values.url), apiKey, timeoutMs });
    const tenantArg = () => required(arg ?? values.tenant, "TENANT_ID");
    const reason = values.reason;
    const changed = (r: Parameters<typeof renderEntitlementChange>[0]) => {
      print(r, renderEntitlementChange(r));
      return EXIT.OK;
    };
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
      case "entitlement":
      case "entitlements": {
        const last = values.last ? positiveInt(values.last, "--last") : undefined;
        const t = await client.getEntitlement(tenantArg(), { last });
        if (!t) {
          if (json) console.log(JSON.stringify({ error: { code: "TENANT_NOT_FOUND", message: "no tenant has this id" } }));
          else console.error("no tenant has this id");
          return EXIT.NOT_FOUND;
        }
        print(t, command === "entitlement" ? renderEntitlement(t) : renderEntitlementHistory(t));
        return EXIT.OK;
      }
      case "grant":
        return changed(
          await client.grantEntitlement({
            tenantId: tenantArg(),
            edition: paidEdition(values.edition),
            seats: values.seats ? positiveInt(values.seats, "--seats") : undefined,
            validUntil: values["valid-until"] ? dateArg(values["valid-until"], "--valid-until") : undefined,
            stripeSubscriptionId: values["stripe-subscription"],
            reason,
          }),
        );
      case "set-edition":
        return changed(await client.changeEntitlementEdition({ tenantId: tenantArg(), edition: paidEdition(values.edition), reason }));
      case "set-seats":
        return changed(await client.setEntitlementSeats({ tenantId: tenantArg(), seats: positiveInt(required(values.seats, "--seats"), "--seats"), reason }));
      case "extend": {
        const tenantId = tenantArg();
        if (!values["valid-until"] === !values["open-ended"]) throw new UsageError("pass exactly one of --valid-until DATE or --open-ended");
        const validUntil = values["valid-until"] ? dateArg(values["valid-until"], "--valid-until") : undefined;
        return changed(await client.extendEntitlement({ tenantId, validUntil, openEnded: values["open-ended"] ? true : undefined, reason }));
      }
      case "past-due":
        return changed(await client.markEntitlementPastDue({ tenantId: tenantArg(), reason }));
      case "cancel":
        return changed(await client.cancelEntitlement({ tenantId: tenantArg(), reason }));
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (err) {
    if (err instanceof AlgaLicenseError) {
      if (json) console.log(JSON.stringify({ error: { ...err.details, message: err.message, attempts: err.attempts } }, null, 2));
      else {
        console.error(`error ${err.code}: ${err.message}`);
        if (err.details.code === "AMBIGUOUS_TENANT") {
          console.error("  candidates (use --tenant ID):");
          const rows = err.details.tenants.length ? err.details.tenants : err.details.tenantIds.map((id) => ({ id, companyName: "?", createdAt: undefined }));
          for (const c of rows) console.error(`    ${c.id}  ${c.companyName}${c.createdAt ? `  (registered ${c.createdAt.slice(0, 10)})` : ""}`);
        }
        if (err.code === "UNAUTHENTICATED") {
          console.error(keyGiven ? "  check ALGA_LICENSE_API_KEY (or --api-key-file): that key is unknown or revoked" : "  no API key: set ALGA_LICENSE_API_KEY or pass --api-key-file FILE");
        }
      }
      return exitCodeFor(err.code);
    }
    const usage = err instanceof UsageError || (err instanceof Error && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS"));
    const message = err instanceof Error ? err.message : String(err);
    if (json) console.log(JSON.stringify({ error: { code: usage ? "USAGE" : "FAILED", message } }));
    else console.error(err instanceof SettingError ? `error: ${message}` : usage ? `${message}\n\n${USAGE}` : `error: ${message}`);
    return usage ? EXIT.USAGE : EXIT.FAILED;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
