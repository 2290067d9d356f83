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
    totalCount
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

createRoot(document.getElementById("root")!).render(
  <GraphiQL
    fetcher={createGraphiQLFetcher({ url: endpoint })}
    defaultQuery={defaultQuery}
    defaultHeaders={JSON.stringify({ Authorization: "Bearer <paste your API key>" }, null, 2)}
    defaultEditorToolsVisibility="headers"
    shouldPersistHeaders={false}
  />,
);
