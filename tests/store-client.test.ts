// The store client against a real running API (through a faulty TCP proxy where a test needs one).
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { printSdl } from "../api/src/graphql/schema.js";
import { createStoreClient, isAlgaLicenseError, type StoreClient } from "../store-client/src/index.js";
import { renderEntitlementHistory } from "../store-client/src/cli/render.js";
import { CHECK_IN, REDEEM, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { startFaultyProxy, type FaultyProxy } from "./helpers/faulty-proxy.js";
import { run } from "./helpers/processes.js";

let t: TestPlane;
let store: StoreClient;
let support: StoreClient;
let proxy: FaultyProxy;
beforeAll(async () => {
  t = await startTestPlane();
  store = createStoreClient({ baseUrl: t.url, apiKey: t.keys.store, retryDelayMs: 10 });
  support = createStoreClient({ baseUrl: t.url, apiKey: t.keys.support });
});
afterAll(() => t.stop());
// a fresh proxy per test: fetch keeps connections alive per origin, and faults apply per connection
beforeEach(async () => {
  proxy = await startFaultyProxy(t.url);
});
afterEach(() => proxy.stop());

const email = () => `store-${Math.random().toString(36).slice(2)}@shop.test`;

async function expectError<T>(p: Promise<T>) {
  try {
    await p;
  } catch (err) {
    if (isAlgaLicenseError(err)) return err;
    throw err;
  }
  throw new Error("expected an AlgaLicenseError");
}

describe("operations", () => {
  it("registerTenant: typed result, with a generated idempotency key when none is given", async () => {
    const r = await store.registerTenant({ companyName: "Typed Co", contactEmail: email(), edition: "PREMIUM" });
    expect(r.tenant.edition).toBe("PREMIUM");
    expect(r.installCode).toMatch(/^([0-9A-Z]{4}-){4}[0-9A-Z]{4}$/);
    expect(r.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.replayed).toBe(false);
    const again = await store.registerTenant({
      companyName: "Typed Co",
      contactEmail: r.tenant.contactEmail,
      edition: "PREMIUM",
      idempotencyKey: r.idempotencyKey,
    });
    expect(again).toMatchObject({ tenantId: r.tenantId, installCode: r.installCode, replayed: true });
  });

  it("reissueInstallCode, getTenant and findTenants", async () => {
    const e = email();
    const r = await store.registerTenant({ companyName: "Lookup Co", contactEmail: e, edition: "PRO" });
    const re = await store.reissueInstallCode({ contactEmail: e });
    expect(re).toMatchObject({ tenantId: r.tenantId, revokedCodes: 1 });
    const tenant = await support.getTenant(r.tenantId);
    expect(tenant?.installCodes.map((c) => c.state).sort()).toEqual(["ISSUED", "REVOKED"]);
    expect(await support.getTenant("00000000-0000-4000-8000-000000000000")).toBeNull();
    const page = await support.findTenants({ first: 5, filter: { search: e } });
    expect(page.totalCount).toBe(1);
    expect(page.edges[0]!.node.id).toBe(r.tenantId);
  });
});

describe("credential history", () => {
  it("a working appliance displaced by a re-issued code under its id shows in the entitlement history, with its last check-in and license", async () => {
    const r = await store.registerTenant({ companyName: "Displaced Co", contactEmail: email(), edition: "PRO" });
    const first = (await t.gql(REDEEM, { input: { installCode: r.installCode, applianceId: "box-a" } }, { clientAddress: "192.0.2.201" })).data
      .redeemInstallCode;
    const checked = (await t.gql(CHECK_IN, { input: { applianceId: "box-a" } }, { token: first.applianceCredential })).data.checkIn;
    const re = await store.reissueInstallCode({ tenantId: r.tenantId });
    expect((await t.gql(REDEEM, { input: { installCode: re.installCode, applianceId: "box-a" } }, { clientAddress: "192.0.2.201" })).errors).toBeUndefined();
    const history = (await support.getEntitlement(r.tenantId))!;
    const event = history.entitlementHistory.find((h) => h.action === "appliance.credential_replaced");
    const jti = JSON.parse(Buffer.from(checked.token.split(".")[1], "base64url").toString()).jti;
    expect(event?.details).toMatchObject({ applianceId: "box-a", displaced: { licenseJti: jti, lastCheckInAt: expect.any(String) } });
    expect(renderEntitlementHistory(history)).toMatch(
      new RegExp(
        `appliance box-a: its live credential was replaced by a new redemption \\(last check-in \\d{4}-\\d\\d-\\d\\d [0-9:]+ UTC, license ${jti} until`,
      ),
    );
  });
});

describe("typed errors", () => {
  it("AMBIGUOUS_TENANT carries the candidate tenant ids", async () => {
    const e = email();
    const a = await store.registerTenant({ companyName: "A", contactEmail: e, edition: "PRO" });
    const b = await store.registerTenant({ companyName: "B", contactEmail: e, edition: "PRO" });
    const err = await expectError(store.reissueInstallCode({ contactEmail: e }));
    expect(err.code).toBe("AMBIGUOUS_TENANT");
    if (err.details.code !== "AMBIGUOUS_TENANT") throw new Error("narrowing");
    expect(err.details.tenantIds.sort()).toEqual([a.tenantId, b.tenantId].sort());
    expect(err.details.tenants.map((c) => c.companyName).sort()).toEqual(["A", "B"]);
    expect(err.attempts).toBe(1); // domain errors are never retried
  });

  it("TENANT_NOT_FOUND, BAD_USER_INPUT (with field), FORBIDDEN, UNAUTHENTICATED", async () => {
    expect((await expectError(store.reissueInstallCode({ tenantId: "00000000-0000-4000-8000-000000000000" }))).code).toBe("TENANT_NOT_FOUND");
    const bad = await expectError(store.registerTenant({ companyName: "X", contactEmail: "nope", edition: "PRO" }));
    expect(bad.details).toEqual({ code: "BAD_USER_INPUT", field: "contactEmail" });
    expect((await expectError(support.registerTenant({ companyName: "X", contactEmail: email(), edition: "PRO" }))).code).toBe("FORBIDDEN");
    const anon = createStoreClient({ baseUrl: t.url, apiKey: "alk_wrong" });
    expect((await expectError(anon.findTenants())).code).toBe("UNAUTHENTICATED");
  });

  it("NETWORK_ERROR when nothing listens, after the configured retries", async () => {
    const down = createStoreClient({ baseUrl: "http://127.0.0.1:9", apiKey: "x", retries: 2, retryDelayMs: 5 });
    const err = await expectError(down.findTenants());
    expect(err.code).toBe("NETWORK_ERROR");
    expect(err.attempts).toBe(3);
  });
});

describe("entitlements", () => {
  it("admin keys grant and change entitlements; support reads the entitlement, seats and history, typed", async () => {
    const admin = createStoreClient({ baseUrl: t.url, apiKey: t.keys.admin });
    const r = await store.registerTenant({ companyName: "Upgrade Co", contactEmail: email(), edition: "ESSENTIALS" });
    expect(await support.getEntitlement(r.tenantId)).toMatchObject({ edition: "ESSENTIALS", seats: null, seatsUsed: 0, currentEntitlement: null });
    const granted = await admin.grantEntitlement({ tenantId: r.tenantId, edition: "PRO", seats: 2, validUntil: "2099-01-01T00:00:00.000Z" });
    expect(granted).toMatchObject({
      changed: true,
      entitlement: { edition: "PRO", status: "ACTIVE", standing: "LICENSED", seats: 2 },
      tenant: { edition: "PRO", seats: 2 },
    });
    expect((await admin.changeEntitlementEdition({ tenantId: r.tenantId, edition: "PREMIUM" })).tenant.edition).toBe("PREMIUM");
    expect((await admin.setEntitlementSeats({ tenantId: r.tenantId, seats: 4 })).entitlement.seats).toBe(4);
    expect((await admin.extendEntitlement({ tenantId: r.tenantId, openEnded: true })).entitlement.validUntil).toBeNull();
    expect((await admin.markEntitlementPastDue({ tenantId: r.tenantId })).entitlement.status).toBe("PAST_DUE");
    expect((await admin.cancelEntitlement({ tenantId: r.tenantId, reason: "test" })).entitlement.standing).toBe("LAPSED");
    const e = await support.getEntitlement(r.tenantId, { last: 3 });
    expect(e?.entitlementHistory.map((h) => h.action)).toEqual(["entitlement.cancelled", "entitlement.past_due", "entitlement.extended"]);
    expect(await support.getEntitlement("00000000-0000-4000-8000-000000000000")).toBeNull();
    // the upgrade-in-place code: the store re-issues for the tenant once it is paid again
    await admin.grantEntitlement({ tenantId: r.tenantId, edition: "PRO" });
    const code = await store.reissueInstallCode({ tenantId: r.tenantId });
    expect((await support.getTenant(r.tenantId))?.installCodes.find((c) => c.state === "ISSUED")).toMatchObject({ paid: true });
    expect(code.tenantId).toBe(r.tenantId);
  });

  it("typed refusals: FORBIDDEN for support and store keys, BAD_USER_INPUT with field and reason", async () => {
    const admin = createStoreClient({ baseUrl: t.url, apiKey: t.keys.admin });
    const r = await store.registerTenant({ companyName: "Refusal Co", contactEmail: email(), edition: "PRO" });
    expect((await expectError(support.cancelEntitlement({ tenantId: r.tenantId }))).code).toBe("FORBIDDEN");
    expect((await expectError(store.getEntitlement(r.tenantId))).code).toBe("FORBIDDEN");
    const exists = await expectError(admin.grantEntitlement({ tenantId: r.tenantId, edition: "PREMIUM" }));
    expect(exists.details).toEqual({ code: "BAD_USER_INPUT", field: "tenantId" });
    expect(exists.extensions.reason).toBe("ENTITLEMENT_EXISTS");
    expect((await expectError(admin.setEntitlementSeats({ tenantId: r.tenantId, seats: -1 }))).details).toEqual({ code: "BAD_USER_INPUT", field: "seats" });
  });
});

describe("retries and timeouts", () => {
  it("a dropped connection is retried with the same idempotency key: one tenant, the original code", async () => {
    const e = email();
    const c = createStoreClient({ baseUrl: proxy.url, apiKey: t.keys.store, retryDelayMs: 10 });
    proxy.faults = ["drop-response"];
    const r = await c.registerTenant({ companyName: "Dropped", contactEmail: e, edition: "PRO" });
    expect(r.replayed).toBe(true); // the first attempt did register; the retry got its result back
    const tenants = await t.plane.services.prisma.tenantRegistry.findMany({ where: { contactEmail: e } });
    expect(tenants).toHaveLength(1);
    expect(tenants[0]!.id).toBe(r.tenantId);
  });

  it("retries a 502 and succeeds", async () => {
    const c = createStoreClient({ baseUrl: proxy.url, apiKey: t.keys.support, retryDelayMs: 10 });
    proxy.faults = ["bad-gateway", "bad-gateway"];
    const page = await c.findTenants({ first: 1 });
    expect(page.totalCount).toBeGreaterThan(0);
    expect(proxy.faults).toEqual([]);
  });

  it("gives up with HTTP_ERROR when the 5xx persists", async () => {
    const c = createStoreClient({ baseUrl: proxy.url, apiKey: t.keys.support, retries: 1, retryDelayMs: 5 });
    proxy.faults = ["bad-gateway", "bad-gateway"];
    const err = await expectError(c.findTenants());
    expect(err.details).toEqual({ code: "HTTP_ERROR", status: 502 });
    expect(err.attempts).toBe(2);
  });

  it("TIMEOUT after the per-request timeout", async () => {
    const c = createStoreClient({ baseUrl: proxy.url, apiKey: t.keys.support, timeoutMs: 300, retries: 0 });
    proxy.faults = ["stall"];
    const started = Date.now();
    const err = await expectError(c.findTenants());
    expect(err.details).toEqual({ code: "TIMEOUT", timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe("schema artifact", () => {
  it("the checked-in api/schema.graphql matches the Pothos schema", () => {
    expect(readFileSync(path.join(process.cwd(), "api/schema.graphql"), "utf8")).toBe(`${printSdl()}\n`);
  });

  it("npm run schema:check fails on drift and passes without", async () => {
    expect((await run("npm", ["run", "--silent", "schema:check"])).code).toBe(0);
    const dir = mkdtempSync(path.join(os.tmpdir(), "alga-sdl-"));
    try {
      const drifted = path.join(dir, "schema.graphql");
      writeFileSync(drifted, readFileSync("api/schema.graphql", "utf8").replace("type Mutation {", "type Mutation {\n  extra: Int"));
      const res = await run("npm", ["run", "--silent", "schema:check", "--", "--file", drifted]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain("out of date");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
