// Each principal × each operation: who may do what (the table in docs/API.md).
import { CHECK_IN, REDEEM, REGISTER, REISSUE, startTestPlane, type TestPlane } from "./helpers/control-plane.js";

let t: TestPlane;
let tenantId: string;
let appliance: { applianceId: string; credential: string };
let installCodeId: string;

beforeAll(async () => {
  t = await startTestPlane();
  const reg = (await t.gql(REGISTER, { input: { companyName: "Matrix", contactEmail: "matrix@x.test", edition: "PRO" } }, { token: t.keys.store })).data
    .registerTenant;
  tenantId = reg.tenantId;
  const red = (await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId: "matrix-box" } })).data.redeemInstallCode;
  appliance = { applianceId: "matrix-box", credential: red.applianceCredential };
  installCodeId = (await t.plane.services.prisma.installCode.findFirstOrThrow({ where: { tenantId } })).id;
});
afterAll(() => t.stop());

type Who = "anonymous" | "store" | "support" | "admin" | "appliance";
const WHO: Who[] = ["anonymous", "store", "support", "admin", "appliance"];
const token = (who: Who) => (who === "anonymous" ? undefined : who === "appliance" ? appliance.credential : t.keys[who]);

type Query = [string, Record<string, unknown>];
const OPERATIONS: Record<string, { query: () => Query | Promise<Query>; allowed: Who[] }> = {
  registerTenant: {
    query: () => [REGISTER, { input: { companyName: "M", contactEmail: `m${Math.random()}@x.test`, edition: "ESSENTIALS" } }],
    allowed: ["store"],
  },
  reissueInstallCode: { query: () => [REISSUE, { input: { tenantId } }], allowed: ["store", "admin"] },
  checkIn: { query: () => [CHECK_IN, { input: { applianceId: appliance.applianceId } }], allowed: ["appliance"] },
  tenant: { query: () => [`query($id: ID!) { tenant(id: $id) { id } }`, { id: tenantId }], allowed: ["support", "admin"] },
  tenants: { query: () => [`{ tenants(first: 1) { totalCount } }`, {}], allowed: ["support", "admin"] },
  "tenant.installCodes": {
    query: () => [
      `query($id: ID!) { tenant(id: $id) { installCodes { state } appliances { applianceId } auditEvents { action } entitlements { edition } } }`,
      { id: tenantId },
    ],
    allowed: ["support", "admin"],
  },
  suspendTenant: { query: () => [`mutation($id: ID!) { suspendTenant(tenantId: $id) { id } }`, { id: tenantId }], allowed: ["admin"] },
  reactivateTenant: { query: () => [`mutation($id: ID!) { reactivateTenant(tenantId: $id) { id } }`, { id: tenantId }], allowed: ["admin"] },
  revokeInstallCode: {
    // the tenant's live code (the re-issues above replaced the first one)
    query: async () => {
      const live = await t.plane.services.prisma.installCode.findFirst({ where: { tenantId, consumedAt: null, revokedAt: null } });
      return [`mutation($id: ID!) { revokeInstallCode(installCodeId: $id) { id state } }`, { id: live?.id ?? installCodeId }];
    },
    allowed: ["admin"],
  },
};

describe.each(Object.entries(OPERATIONS))("%s", (_name, op) => {
  it.each(WHO)("as %s", async (who) => {
    const [query, variables] = await op.query();
    const res = await t.gql(query, variables, { token: token(who) });
    const code = res.errors?.[0]?.extensions?.code;
    if (op.allowed.includes(who)) {
      // allowed means it worked: data and no error at all (an internal error is not "allowed")
      expect(res.errors).toBeUndefined();
      expect(res.data).toBeTruthy();
    } else {
      expect(code).toBe(who === "anonymous" ? "UNAUTHENTICATED" : "FORBIDDEN");
    }
  });
});

it("the store reads only the registry fields of the tenant it registered; asking for support data refuses the whole mutation", async () => {
  const res = await t.gql(
    `mutation { registerTenant(input: { companyName: "S", contactEmail: "s@x.test", edition: PRO }) { tenant { id installCodes { state } } } }`,
    {},
    { token: t.keys.store },
  );
  expect(res.status).toBe(200);
  expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  expect(res.errors?.[0]?.message).toContain("Tenant.installCodes");
  expect(await t.plane.services.prisma.tenantRegistry.count({ where: { contactEmail: "s@x.test" } })).toBe(0); // nothing was written
  const ok = await t.gql(
    `mutation { registerTenant(input: { companyName: "S", contactEmail: "s@x.test", edition: PRO }) { tenant { id status } } }`,
    {},
    { token: t.keys.store },
  );
  expect(ok.data.registerTenant.tenant.status).toBe("REGISTERED");
});

it("a revoked API key is UNAUTHENTICATED", async () => {
  const { createApiKey, revokeApiKey } = await import("../api/src/domain/api-keys.js");
  const { key, row } = await createApiKey(t.plane.services.db, "SUPPORT", "temp");
  expect((await t.gql(`{ tenants(first: 1) { totalCount } }`, {}, { token: key })).errors).toBeUndefined();
  await revokeApiKey(t.plane.services.db, row.prefix);
  expect((await t.gql(`{ tenants(first: 1) { totalCount } }`, {}, { token: key })).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
});
