// The support playground: GraphiQL, bundled from npm at build time (no CDN, works air-gapped).
// Support engineers paste their API key into the Headers tab once: the headers are shared by every
// tab (SharedHeaders below), and kept in the browser only when "Persist headers" is turned on in the
// settings. The schema is fetched again with the pasted key (INTROSPECTION=authenticated needs one).
import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import { useGraphiQL, useGraphiQLActions } from "@graphiql/react";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { useEffect, useRef } from "react";
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

/**
 * One set of headers for every tab: what is typed in one tab's Headers editor is carried into the
 * tab switched to. When the headers change and no schema is loaded yet (an anonymous introspection
 * refused), the schema is fetched again with them.
 */
function SharedHeaders() {
  const headerEditor = useGraphiQL((s) => s.headerEditor);
  const activeTabIndex = useGraphiQL((s) => s.activeTabIndex);
  const hasSchema = useGraphiQL((s) => Boolean(s.schema));
  const { introspect } = useGraphiQLActions();
  const shared = useRef<string | undefined>(undefined);
  const schemaLoaded = useRef(hasSchema);
  schemaLoaded.current = hasSchema;

  useEffect(() => {
    if (!headerEditor) return;
    shared.current ??= headerEditor.getValue();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const subscription = headerEditor.onDidChangeModelContent((event) => {
      // a flush is a whole new text set by code: GraphiQL loading a tab's own headers (replaced below)
      if (event.isFlush) return;
      const value = headerEditor.getValue();
      if (value === shared.current) return;
      shared.current = value;
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!schemaLoaded.current) void introspect();
      }, 400);
    });
    return () => {
      clearTimeout(timer);
      subscription.dispose();
    };
  }, [headerEditor, introspect]);

  useEffect(() => {
    // GraphiQL has just put the new tab's own headers into the editor: replace them with the shared ones
    if (headerEditor && shared.current !== undefined && headerEditor.getValue() !== shared.current) headerEditor.setValue(shared.current);
  }, [headerEditor, activeTabIndex]);

  return null;
}

// Off unless the user turned "Persist headers" on in the settings (GraphiQL keeps that choice in its
// storage, but honours it only when this prop is true): an API key stays in the browser on request.
const persistHeaders = (() => {
  try {
    return window.localStorage.getItem("graphiql:shouldPersistHeaders") === "true";
  } catch {
    return false;
  }
})();

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
    shouldPersistHeaders={persistHeaders}
    showPersistHeadersSettings
  >
    <GraphiQL.Footer>
      <SharedHeaders />
    </GraphiQL.Footer>
  </GraphiQL>,
);
