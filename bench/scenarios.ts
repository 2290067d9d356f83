// The requests of each scenario: the same GraphQL POST to the API and the baseline (which routes by
// x-bench-op), each valid and, where the operation is single-use, distinct.
import { fleetApplianceId, fleetCredential } from "./seed.js";
import type { Scenario } from "./options.js";

export interface BenchRequest {
  headers: Record<string, string>;
  body: string;
}

const CHECK_IN = "mutation CheckIn($input: CheckInInput!) { checkIn(input: $input) { token expiresAt tenantId edition } }";
const REDEEM =
  "mutation RedeemInstallCode($input: RedeemInstallCodeInput!) { redeemInstallCode(input: $input) { tenantId edition companyName contactEmail applianceCredential firstJwt checkInUrl licenseExpiresAt reinstalled } }";
const REGISTER =
  "mutation RegisterTenant($input: RegisterTenantInput!) { registerTenant(input: $input) { tenantId installCode installCodeExpiresAt downloadUrl downloadUrlExpiresAt replayed } }";
const SEARCH =
  "query Tenants($search: String, $first: Int) { tenants(first: $first, filter: { search: $search }) { totalCount edges { node { id companyName contactEmail status edition createdAt lastCheckInAt entitlements { edition status validUntil seats } appliances { applianceId lastCheckInAt } installCodes { state expiresAt } } } } }";

const json = (op: Scenario, body: unknown, extra: Record<string, string> = {}): BenchRequest => ({
  headers: { "content-type": "application/json", "x-bench-op": op, ...extra },
  body: JSON.stringify(body),
});

/** A distinct client address per request (the API keys redemption limits by address). */
const address = (k: number) => `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;

export interface ScenarioInputs {
  /** appliances 1..checkInPool of the seeded fleet take turns (never two in flight for one appliance) */
  checkInPool: number;
  /** unused install codes, taken in order */
  codes: { next(): string | undefined };
  storeKey: string;
  supportKey: string;
  searchText: string;
  /** tells this run's registrations apart from another's */
  runId: string;
}

/** A generator of the scenario's requests (a shared counter across connections). */
export function requestsOf(scenario: Scenario, inputs: ScenarioInputs): () => BenchRequest {
  let k = 0;
  switch (scenario) {
    case "checkIn":
      return () => {
        const n = 1 + (k++ % inputs.checkInPool);
        return json(
          "checkIn",
          { query: CHECK_IN, variables: { input: { applianceId: fleetApplianceId(n), applianceVersion: "bench" } } },
          { authorization: `Bearer ${fleetCredential(n)}` },
        );
      };
    case "redeemInstallCode":
      return () => {
        const i = k++;
        const code = inputs.codes.next() ?? "0000-0000-0000-0000-0000";
        return json(
          "redeemInstallCode",
          { query: REDEEM, variables: { input: { installCode: code, applianceId: `redeemed-${inputs.runId}-${i}` } } },
          { "x-forwarded-for": address(i) },
        );
      };
    case "registerTenant":
      return () => {
        const i = k++;
        const input = {
          companyName: `Bench Register ${i} GmbH`,
          contactEmail: `reg${i}.${inputs.runId}@bench.example`,
          edition: "PRO",
          idempotencyKey: `bench-${inputs.runId}-${i}`,
        };
        return json("registerTenant", { query: REGISTER, variables: { input } }, { authorization: `Bearer ${inputs.storeKey}` });
      };
    case "tenants":
      return () => json("tenants", { query: SEARCH, variables: { search: inputs.searchText, first: 50 } }, { authorization: `Bearer ${inputs.supportKey}` });
  }
}
