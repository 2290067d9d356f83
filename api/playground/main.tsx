// The support playground: GraphiQL, bundled from npm at build time (no CDN, works air-gapped).
// Support engineers paste their API key into the Headers tab.
import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { createRoot } from "react-dom/client";

const endpoint = new URL("../graphql", window.location.href).toString();

const defaultQuery = `# Paste your support or admin API key into the Headers tab below, then run.
query FindTenants($search: String) {
  tenants(first: 20, filter: { search: $search }) {
    totalCount totalCountCapped
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id companyName contactEmail edition status lastCheckInAt
        installCodes { state createdAt expiresAt consumedAt consumedByApplianceId revokedAt }
        appliances { applianceId version lastCheckInAt licenseExpiresAt credentialActive }
      }
    }
  }
}
`;

// Entitlements: what a tenant is licensed for, its seats, and every change (admin or Stripe).
const entitlementQuery = `# A tenant's entitlement: seats, seats used (licensed appliances), its history and Stripe events.
# Support or admin key in the Headers tab; the tenant id in Variables.
query TenantEntitlement($tenantId: ID!) {
  tenant(id: $tenantId) {
    companyName edition status stripeCustomerId
    seats seatsUsed
    currentEntitlement {
      edition status standing validUntil licensedUntil pastDueSince cancelledAt seats
      stripeSubscriptionId stripePriceId
    }
    appliances { applianceId credentialActive lastCheckInAt licenseExpiresAt }
    entitlementHistory(last: 50) { createdAt action principalType principalId details }
    stripeEvents(last: 20) { id type createdAt outcome }
  }
}

# Stripe events that matched no tenant (a customer or subscription the registry does not know).
query UnmatchedStripeEvents {
  stripeEvents(outcome: "unmatched", last: 50) { id type createdAt receivedAt }
}
`;

const entitlementMutations = `# Admin key only. Pick the operation with the run button's menu; every change is audited.
mutation GrantEntitlement($tenantId: ID!) {
  grantEntitlement(input: { tenantId: $tenantId, edition: PRO, seats: 1, reason: "invoice …" }) { ...Change }
}
mutation ChangeEdition($tenantId: ID!) {
  changeEntitlementEdition(input: { tenantId: $tenantId, edition: PREMIUM }) { ...Change }
}
mutation SetSeats($tenantId: ID!) {
  setEntitlementSeats(input: { tenantId: $tenantId, seats: 2 }) { ...Change }
}
mutation Extend($tenantId: ID!) {
  extendEntitlement(input: { tenantId: $tenantId, validUntil: "2031-12-31T23:59:59Z" }) { ...Change }
}
mutation MarkPastDue($tenantId: ID!) {
  markEntitlementPastDue(input: { tenantId: $tenantId, reason: "card declined" }) { ...Change }
}
mutation Cancel($tenantId: ID!) {
  cancelEntitlement(input: { tenantId: $tenantId, reason: "customer left" }) { ...Change }
}
fragment Change on EntitlementChangePayload {
  changed retiredApplianceIds
  entitlement { edition status standing validUntil licensedUntil seats }
  tenant { edition seats seatsUsed }
}
`;

// Air-gapped appliances (docs/OFFLINE.md): their mode, renewal due date and seat-report chain, and
// the request-file mutations (store, support or admin key).
const offlineQuery = `# Offline (air-gapped) appliances of a tenant: renewal due, the seat-report chain (GAP: a report is
# missing, REPLAYED: one came twice). Support or admin key in the Headers tab; the tenant id in Variables.
query OfflineAppliances($tenantId: ID!) {
  tenant(id: $tenantId) {
    companyName
    appliances {
      applianceId activationMode offlineRenewalDueAt licenseExpiresAt applianceKeyThumbprint seatReportChain
      seatReports { seq chain receivedAt from until version licensedUntil clockSkewSeconds licenseJti }
    }
  }
}

# Paste the request file's content (or its bare JWS) as "request"; give "response" to the appliance as a file.
mutation ActivateOffline($request: String!) {
  activateOffline(input: { request: $request }) { response tenantId edition }
}
mutation RenewOffline($request: String!) {
  renewOffline(input: { request: $request }) { response applianceId edition licenseExpiresAt report { seq chain } }
}
`;

const headers = JSON.stringify({ Authorization: "Bearer <paste your API key>" }, null, 2);
const tenantVariables = JSON.stringify({ tenantId: "<tenant id>" }, null, 2);

createRoot(document.getElementById("root")!).render(
  <GraphiQL
    fetcher={createGraphiQLFetcher({ url: endpoint })}
    defaultQuery={defaultQuery}
    defaultTabs={[
      { query: defaultQuery, headers },
      { query: entitlementQuery, variables: tenantVariables, headers },
      { query: entitlementMutations, variables: tenantVariables, headers },
      { query: offlineQuery, variables: tenantVariables, headers },
    ]}
    defaultHeaders={headers}
    defaultEditorToolsVisibility="headers"
    shouldPersistHeaders={false}
  />,
);
