import { CHECK_IN, codeOf, REDEEM, REGISTER, REISSUE, startTestPlane, type TestPlane } from "./helpers/control-plane.js";

let t: TestPlane;
const TAG_ = `q${Date.now().toString(36)}`;
const TAG = TAG_;
const seeded: { tenantId: string; installCode: string; email: string }[] = [];

beforeAll(async () => {
  t = await startTestPlane();
  // 25 tenants of this suite, oldest first: editions and deployment types vary
  for (let i = 0; i < 25; i++) {
    const email = `${TAG}-${i}@customer${i % 3}.test`;
    const edition = ["ESSENTIALS", "PRO", "PREMIUM"][i % 3];
    const res = await t.gql(
      REGISTER,
      {
        input: {
          companyName: `${TAG} Company ${String(i).padStart(2, "0")}${i === 7 ? " Zebra Labs" : ""}`,
          contactEmail: email,
          edition,
          deploymentType: i % 5 === 0 ? "HOSTED" : "APPLIANCE",
        },
      },
      { token: t.keys.store },
    );
    seeded.push({ ...res.data.registerTenant, email });
  }
});
afterAll(() => t.stop());

const TENANTS = `query T($first: Int, $after: String, $filter: TenantFilter) {
  tenants(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id companyName edition status deploymentType } }
  }
}`;

const page = (vars: Record<string, unknown>) => t.gql(TENANTS, vars, { token: t.keys.support });

describe("tenants connection", () => {
  it("pages through all tenants with stable cursors, newest first, unaffected by inserts", async () => {
    const filter = { search: TAG };
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res: any = await page({ first: 10, after, filter });
      expect(res.errors).toBeUndefined();
      const conn = res.data.tenants;
      expect(conn.totalCount).toBe(25);
      seen.push(...conn.edges.map((e: any) => e.node.id));
      pages++;
      if (pages === 1) {
        // a registration between pages must not shift the next page
        await t.gql(REGISTER, { input: { companyName: `late ${TAG}x`, contactEmail: `late-${TAG}@x.test`, edition: "PRO" } }, { token: t.keys.store });
        filter.search = `${TAG} Company`;
      }
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(seeded.map((s) => s.tenantId).reverse());
  });

  it("a page is at most 100 (more is refused, not cut) and rejects bad cursors cleanly", async () => {
    for (let i = 0; i < 80; i++) {
      await t.plane.services.prisma.tenantRegistry.create({
        data: { companyName: `${TAG} bulk ${i}`, contactEmail: `bulk${i}@${TAG}.test`, edition: "ESSENTIALS" },
      });
    }
    const full = await page({ first: 100, filter: { search: TAG } });
    expect(full.data.tenants.edges).toHaveLength(100);
    expect(full.data.tenants.pageInfo.hasNextPage).toBe(true);
    for (const first of [1000, 101]) {
      const big = await page({ first, filter: { search: TAG } });
      expect(big.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "first", max: 100 });
      expect(big.errors?.[0]?.message).toMatch(/at most 100/);
    }
    const backwards = await t.gql(`{ tenants(last: 101) { edges { node { id } } } }`, {}, { token: t.keys.support });
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "last", max: 100 });
    const bad = await page({ first: 5, after: "not-a-cursor" });
    expect(bad.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(bad.errors?.[0]?.message).toMatch(/cursor/i);
  });

  it("filters by status, edition, deployment type and text (company or email, any case)", async () => {
    const ids = (res: any) => res.data.tenants.edges.map((e: any) => e.node.id).sort();
    const TAG = `${TAG_} Company`; // only the 25 seeded tenants
    const expectIds = (idx: number[]) => idx.map((i) => seeded[i]!.tenantId).sort();
    const all = [...Array(25).keys()];

    expect(ids(await page({ first: 50, filter: { search: TAG, edition: ["PREMIUM"] } }))).toEqual(expectIds(all.filter((i) => i % 3 === 2)));
    expect(ids(await page({ first: 50, filter: { search: TAG, edition: ["ESSENTIALS", "PRO"] } }))).toEqual(expectIds(all.filter((i) => i % 3 !== 2)));
    expect(ids(await page({ first: 50, filter: { search: TAG, deploymentType: ["HOSTED"] } }))).toEqual(expectIds(all.filter((i) => i % 5 === 0)));
    expect(ids(await page({ first: 50, filter: { search: "zebra LABS" } }))).toEqual(expectIds([7]));
    expect(ids(await page({ first: 50, filter: { search: `${TAG_}-4@CUSTOMER1` } }))).toEqual(expectIds([4]));

    await t.plane.services.prisma.tenantRegistry.update({ where: { id: seeded[3]!.tenantId }, data: { status: "SUSPENDED" } });
    const suspended = await page({ first: 50, filter: { search: TAG, status: ["SUSPENDED"] } });
    expect(ids(suspended)).toEqual(expectIds([3]));
    expect(suspended.data.tenants.totalCount).toBe(1);
    const combined = await page({ first: 50, filter: { search: TAG, status: ["REGISTERED"], edition: ["ESSENTIALS"], deploymentType: ["APPLIANCE"] } });
    expect(ids(combined)).toEqual(expectIds(all.filter((i) => i % 3 === 0 && i % 5 !== 0 && i !== 3)));
  });
});

describe("tenants search at scale", () => {
  const COUNTED = `query T($first: Int, $after: String, $last: Int, $before: String, $filter: TenantFilter) {
    tenants(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
      totalCount totalCountCapped pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { id companyName } }
    }
  }`;
  const run = async (vars: Record<string, unknown>) => {
    const res: any = await t.gql(COUNTED, vars, { token: t.keys.support });
    expect(res.errors).toBeUndefined();
    return res.data.tenants;
  };
  const BULK = `${TAG_}bulkk`;
  beforeAll(async () => {
    // 1,003 tenants in one statement, one second apart, plus a pair sharing one created_at (the keyset tie-break)
    await t.plane.services.db.query(
      `INSERT INTO tenant_registry (tenant_id, company_name, contact_email, edition, created_at, updated_at)
       SELECT gen_random_uuid(), $1 || ' ' || i, 'ops' || i || '@' || $1 || '.test', 'PRO'::"Edition", now() - (i || ' seconds')::interval, now()
         FROM generate_series(1, 1001) i
       UNION ALL SELECT gen_random_uuid(), $1 || ' twin ' || j, 'twin' || j || '@' || $1 || '.test', 'PRO'::"Edition", now() - interval '5000 seconds', now()
         FROM generate_series(1, 2) j`,
      [BULK],
    );
  });

  it("counts exactly up to 1,000 matches and then says the count is capped", async () => {
    const all = await run({ first: 5, filter: { search: BULK } });
    expect(all).toMatchObject({ totalCount: 1000, totalCountCapped: true });
    const some = await run({ first: 5, filter: { search: `${BULK} 99` } }); // 99, 990–999
    expect(some).toMatchObject({ totalCount: 11, totalCountCapped: false });
    expect(some.edges).toHaveLength(5);
    // the count applies every filter (a page of 1 leaves the counting to the count query)
    const filtered = await run({ first: 1, filter: { search: `${BULK} 99`, edition: ["PRO"], status: ["REGISTERED"], deploymentType: ["APPLIANCE"] } });
    expect(filtered).toMatchObject({ totalCount: 11, totalCountCapped: false });
    expect((await run({ first: 1, filter: { search: `${BULK} 99`, status: ["REGISTERED", "ACTIVE"], edition: ["PREMIUM", "PRO"] } })).totalCount).toBe(11);
    expect((await run({ first: 1, after: filtered.pageInfo.endCursor, filter: { search: `${BULK} 99`, edition: ["PREMIUM"] } })).totalCount).toBe(0);
    expect((await run({ first: 1, filter: { search: `${BULK} 9`, deploymentType: ["HOSTED"] } })).totalCount).toBe(0);
    const few = await run({ first: 50, filter: { search: `${BULK} 99` } }); // the page is its own count
    expect(few).toMatchObject({ totalCount: 11, totalCountCapped: false });
    expect(few.edges).toHaveLength(11);
  });

  it("treats %, _ and backslash in the search as literal characters", async () => {
    await t.gql(
      REGISTER,
      { input: { companyName: `${TAG_} Wild_Card 100% \\ Ltd`, contactEmail: `wild-${TAG_}@x.test`, edition: "PRO" } },
      { token: t.keys.store },
    );
    for (const search of [`${TAG_} Wild_Card`, "Card 100%", "100% \\ Ltd"]) {
      const res = await run({ first: 5, filter: { search } });
      expect(res.edges.map((e: any) => e.node.companyName)).toEqual([`${TAG_} Wild_Card 100% \\ Ltd`]);
    }
    expect((await run({ first: 5, filter: { search: `${TAG_} Wild%Card` } })).totalCount).toBe(0);
    expect((await run({ first: 5, filter: { search: `${TAG_} Wild_Car_` } })).totalCount).toBe(0);
    expect((await run({ first: 5, filter: { search: `${BULK}_` } })).totalCount).toBe(0);
  });

  it("walks every page forwards and backwards with keyset cursors, ties on created_at included", async () => {
    const filter = { search: BULK };
    const forward: string[] = [];
    let after: string | null = null;
    for (;;) {
      const p = await run({ first: 100, after, filter });
      forward.push(...p.edges.map((e: any) => e.node.id));
      expect(p.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    expect(forward).toHaveLength(1003);
    expect(new Set(forward).size).toBe(1003);
    const { rows } = await t.plane.services.db.query(
      `SELECT tenant_id FROM tenant_registry WHERE company_name LIKE $1 ORDER BY created_at DESC, tenant_id DESC`,
      [`${BULK}%`],
    );
    expect(forward).toEqual(rows.map((r: any) => r.tenant_id));

    const backward: string[] = [];
    let before: string | null = null;
    for (;;) {
      const p = await run({ last: 100, before, filter });
      backward.unshift(...p.edges.map((e: any) => e.node.id));
      if (!p.pageInfo.hasPreviousPage) break;
      before = p.pageInfo.startCursor;
    }
    expect(backward).toEqual(forward);
  });
});

describe("tenant(id)", () => {
  it("resolves entitlements, code states, appliances and audit events — never a code", async () => {
    const s = seeded[1]!; // PRO
    const first = (await t.gql(REDEEM, { input: { installCode: s.installCode, applianceId: `${TAG}-box` } })).data.redeemInstallCode;
    await t.gql(CHECK_IN, { input: { applianceId: `${TAG}-box`, applianceVersion: "3.1.0" } }, { token: first.applianceCredential });
    const r1 = (await t.gql(REISSUE, { input: { tenantId: s.tenantId } }, { token: t.keys.store })).data.reissueInstallCode;
    await t.gql(REISSUE, { input: { tenantId: s.tenantId } }, { token: t.keys.store }); // revokes r1's code
    const prisma = t.plane.services.prisma;
    const latest = await prisma.installCode.findFirstOrThrow({ where: { tenantId: s.tenantId, revokedAt: null, consumedAt: null } });
    const expired = await prisma.installCode.create({
      data: { tenantId: s.tenantId, codeDigest: "f".repeat(64), expiresAt: new Date(Date.now() - 1000), createdAt: new Date(Date.now() - 2000) },
    });

    const res = await t.gql(
      `query($id: ID!) { tenant(id: $id) {
      id companyName edition status lastCheckInAt
      entitlements { edition status }
      installCodes { id state paid consumedByApplianceId consumedAt revokedAt expiresAt createdAt }
      appliances { applianceId edition version lastCheckInAt licenseExpiresAt credentialActive }
      auditEvents { action principalType createdAt }
    } }`,
      { id: s.tenantId },
      { token: t.keys.support },
    );
    expect(res.errors).toBeUndefined();
    const tenant = res.data.tenant;
    expect(tenant).toMatchObject({ id: s.tenantId, edition: "PRO", status: "ACTIVE" });
    expect(tenant.entitlements).toEqual([{ edition: "PRO", status: "ACTIVE" }]);
    const states = Object.fromEntries(tenant.installCodes.map((c: any) => [c.id, c.state]));
    expect(states[latest.id]).toBe("ISSUED");
    expect(states[expired.id]).toBe("EXPIRED");
    expect(Object.values(states).filter((v) => v === "REVOKED")).toHaveLength(1);
    const consumed = tenant.installCodes.find((c: any) => c.state === "CONSUMED");
    expect(consumed).toMatchObject({ consumedByApplianceId: `${TAG}-box`, paid: true });
    expect(tenant.appliances).toEqual([expect.objectContaining({ applianceId: `${TAG}-box`, edition: "PRO", version: "3.1.0", credentialActive: true })]);
    expect(tenant.auditEvents.map((e: any) => e.action)).toEqual([
      "install_code.reissued",
      "install_code.reissued",
      "appliance.checked_in",
      "install_code.redeemed",
      "tenant.registered",
    ]);
    expect(JSON.stringify(res.data)).not.toContain(r1.installCode);
    expect(JSON.stringify(res.data)).not.toContain(s.installCode);
  });

  it("list sizes: negative is BAD_USER_INPUT naming the argument (as tenants(first: -5) is), 0 is empty, beyond 500 is capped", async () => {
    const s = seeded[1]!;
    const lists = [
      (n: number) =>
        t.gql(`query($id: ID!, $n: Int) { tenant(id: $id) { auditEvents(last: $n) { action } } }`, { id: s.tenantId, n }, { token: t.keys.support }),
      (n: number) =>
        t.gql(`query($id: ID!, $n: Int) { tenant(id: $id) { entitlementHistory(last: $n) { action } } }`, { id: s.tenantId, n }, { token: t.keys.support }),
      (n: number) => t.gql(`query($id: ID!, $n: Int) { tenant(id: $id) { stripeEvents(last: $n) { id } } }`, { id: s.tenantId, n }, { token: t.keys.support }),
      (n: number) => t.gql(`query($n: Int) { stripeEvents(last: $n) { id } }`, { n }, { token: t.keys.support }),
    ];
    expect(codeOf(await t.gql(`{ tenants(first: -5) { totalCount } }`, {}, { token: t.keys.support }))).toBe("BAD_USER_INPUT");
    for (const list of lists) {
      for (const n of [-1, -500]) {
        const res = await list(n);
        expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "last" });
        expect(res.errors?.[0]?.message).toMatch(/non-negative/);
      }
      const empty = await list(0);
      expect(empty.errors).toBeUndefined();
      expect(Object.values(empty.data.tenant ?? empty.data).flatMap((v) => v as unknown[])).toEqual([]);
      expect((await list(100_000)).errors).toBeUndefined();
    }
    const audit = await lists[0]!(1);
    expect(audit.data.tenant.auditEvents).toHaveLength(1);
  });

  it("returns null for an unknown or malformed id", async () => {
    const q = `query($id: ID!) { tenant(id: $id) { id } }`;
    expect((await t.gql(q, { id: "00000000-0000-4000-8000-000000000000" }, { token: t.keys.admin })).data.tenant).toBeNull();
    expect((await t.gql(q, { id: "nope" }, { token: t.keys.admin })).data.tenant).toBeNull();
  });

  it("loads a page of tenants with all their relations in a constant number of database round trips (no N+1)", async () => {
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
    try {
      const q = `query { tenants(first: 25, filter: { search: "${TAG}" }) { totalCount edges { node {
        id entitlements { id } installCodes { state } appliances { applianceId } auditEvents(last: 5) { action } } } } }`;
      const res = await t.gql(q, {}, { token: t.keys.support });
      expect(res.errors).toBeUndefined();
      expect(res.data.tenants.edges).toHaveLength(25);
      expect(operations).toBeLessThanOrEqual(3); // the page (with its relations) and the count
    } finally {
      services.prisma = original;
    }
  });
});
