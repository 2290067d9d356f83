// The support search's page in SQL of its own (api/src/data/tenant-page.ts): the same answer, byte for
// byte, as the Prisma path gives for the same tenants (tenant(id) still resolves through Prisma), no
// Prisma call at all for a page of plain relations, and Prisma again for what the SQL does not load.
import { CHECK_IN, REDEEM, REGISTER, REISSUE, startTestPlane, type TestPlane } from "./helpers/control-plane.js";

let t: TestPlane;
const TAG = `pg${Date.now().toString(36)}`;

const NODE = `id companyName contactEmail edition deploymentType status stripeCustomerId createdAt updatedAt installedAt lastCheckInAt suspendedAt
  entitlements { id edition status stripeSubscriptionId stripePriceId validUntil pastDueSince cancelledAt seats stripeUpdatedAt licensedUntil standing createdAt updatedAt }
  installCodes { id state paid consumedAt consumedByApplianceId revokedAt expiresAt createdAt }
  appliances { id applianceId edition credentialActive credentialRevokedAt licenseExpiresAt licenseJti lastCheckInAt version createdAt }`;

beforeAll(async () => {
  t = await startTestPlane({ GRAPHQL_MAX_COMPLEXITY: "10000" }); // every field of the page at once
  for (let i = 0; i < 6; i++) {
    const res = await t.gql(
      REGISTER,
      { input: { companyName: `${TAG} Firm ${i}`, contactEmail: `${TAG}-${i}@firm.test`, edition: ["PRO", "PREMIUM", "ESSENTIALS"][i % 3] } },
      { token: t.keys.store },
    );
    const { tenantId, installCode } = res.data.registerTenant;
    if (i % 2 === 0) {
      // a redeemed code, an appliance that checked in, a reissued (live) code beside the consumed one
      const redeemed = (await t.gql(REDEEM, { input: { installCode, applianceId: `${TAG}-box-${i}` } })).data.redeemInstallCode;
      await t.gql(CHECK_IN, { input: { applianceId: `${TAG}-box-${i}`, applianceVersion: "2.0.0" } }, { token: redeemed.applianceCredential });
      await t.gql(REISSUE, { input: { tenantId } }, { token: t.keys.store });
    }
  }
});
afterAll(() => t.stop());

describe("tenants page with relations", () => {
  it("answers what the Prisma path answers, without a Prisma call", async () => {
    const services = t.plane.services;
    const original = services.prisma;
    let operations = 0;
    services.prisma = original.$extends({
      query: {
        $allModels: {
          async $allOperations({ args, query }) {
            operations++;
            return query(args);
          },
        },
      },
    }) as unknown as typeof original;
    let page: any;
    try {
      page = await t.gql(
        `query($s: String) { tenants(first: 10, filter: { search: $s }) { totalCount edges { node { ${NODE} } } } }`,
        { s: TAG },
        { token: t.keys.support },
      );
      expect(page.errors).toBeUndefined();
      expect(operations).toBe(0);
    } finally {
      services.prisma = original;
    }
    const nodes = page.data.tenants.edges.map((e: any) => e.node);
    expect(nodes).toHaveLength(6);
    expect(page.data.tenants.totalCount).toBe(6);
    expect(nodes.filter((n: any) => n.appliances.length === 1 && n.installCodes.length === 2)).toHaveLength(3);
    for (const node of nodes) {
      const one = await t.gql(`query($id: ID!) { tenant(id: $id) { ${NODE} } }`, { id: node.id }, { token: t.keys.support });
      expect(one.errors).toBeUndefined();
      expect(JSON.stringify(node)).toBe(JSON.stringify(one.data.tenant));
    }
  });

  it("pages backwards and forwards through the SQL path with relations", async () => {
    const q = `query($s: String, $first: Int, $after: String, $last: Int, $before: String) {
      tenants(first: $first, after: $after, last: $last, before: $before, filter: { search: $s }) {
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { id installCodes { state } } } } }`;
    const all = (await t.gql(q, { s: TAG, first: 50 }, { token: t.keys.support })).data.tenants.edges.map((e: any) => e.node);
    const second = (await t.gql(q, { s: TAG, first: 2 }, { token: t.keys.support })).data.tenants;
    const next = (await t.gql(q, { s: TAG, first: 2, after: second.pageInfo.endCursor }, { token: t.keys.support })).data.tenants;
    expect(next.edges.map((e: any) => e.node)).toEqual(all.slice(2, 4));
    const back = (await t.gql(q, { s: TAG, last: 2, before: next.pageInfo.startCursor }, { token: t.keys.support })).data.tenants;
    expect(back.edges.map((e: any) => e.node)).toEqual(all.slice(0, 2));
  });

  it("leaves relations it does not load (windows, counts, nested) to Prisma", async () => {
    const res = await t.gql(
      `query($s: String) { tenants(first: 50, filter: { search: $s }) { edges { node { id seats seatsUsed auditEvents(last: 2) { action } installCodes { entitlement { edition } } } } } }`,
      { s: TAG },
      { token: t.keys.support },
    );
    expect(res.errors).toBeUndefined();
    const nodes = res.data.tenants.edges.map((e: any) => e.node);
    expect(nodes).toHaveLength(6);
    for (const node of nodes) {
      const one = await t.gql(
        `query($id: ID!) { tenant(id: $id) { id seats seatsUsed auditEvents(last: 2) { action } installCodes { entitlement { edition } } } }`,
        { id: node.id },
        { token: t.keys.support },
      );
      expect(node).toEqual(one.data.tenant);
    }
  });
});
