import * as Minio from "minio";
import { registerTenant } from "../api/src/domain/register-tenant.js";
import { ISO_BUCKET, ISO_BYTES, ISO_KEY, REGISTER, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { eventually } from "./helpers/eventually.js";
import { S3_ACCESS_KEY, S3_SECRET_KEY } from "./helpers/peers.js";

let t: TestPlane;
beforeAll(async () => {
  t = await startTestPlane();
});
afterAll(() => t.stop());

const input = (over: Record<string, unknown> = {}) => ({
  companyName: "Acme Networks",
  contactEmail: `ops+${Math.random().toString(36).slice(2)}@acme.test`,
  edition: "PRO",
  ...over,
});

const register = (over: Record<string, unknown> = {}, token = t.keys.store) => t.gql(REGISTER, { input: input(over) }, { token });

describe("registerTenant", () => {
  it("creates the registry row, entitlement, code, audit event and email for a paid edition", async () => {
    const res = await register({ stripeCustomerId: "cus_1", stripeSubscriptionId: "sub_1" });
    expect(res.errors).toBeUndefined();
    const p = res.data.registerTenant;
    expect(p.tenantId).toMatch(/^[0-9a-f-]{36}$/);
    expect(p.installCode).toMatch(/^([0-9A-Z]{4}-){4}[0-9A-Z]{4}$/);
    expect(p.tenant).toMatchObject({ id: p.tenantId, companyName: "Acme Networks", edition: "PRO", deploymentType: "APPLIANCE", status: "REGISTERED" });
    const ttl = new Date(p.installCodeExpiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(13.9 * 86400e3);
    expect(ttl).toBeLessThanOrEqual(14 * 86400e3);

    const prisma = t.plane.services.prisma;
    const tenant = await prisma.tenantRegistry.findUniqueOrThrow({
      where: { id: p.tenantId },
      include: { entitlements: true, installCodes: true, auditEvents: true, emails: true },
    });
    expect(tenant.stripeCustomerId).toBe("cus_1");
    expect(tenant.entitlements).toHaveLength(1);
    expect(tenant.entitlements[0]).toMatchObject({ edition: "PRO", status: "ACTIVE", stripeSubscriptionId: "sub_1" });
    expect(tenant.installCodes).toHaveLength(1);
    expect(tenant.installCodes[0]!.entitlementId).toBe(tenant.entitlements[0]!.id);
    // hash only: the plaintext code appears nowhere in the row
    expect(JSON.stringify(tenant.installCodes[0])).not.toContain(p.installCode.replace(/-/g, ""));
    expect(tenant.installCodes[0]!.codeDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(tenant.auditEvents.map((e) => e.action)).toEqual(["tenant.registered"]);
    expect(tenant.auditEvents[0]).toMatchObject({ principalType: "store" });
    expect(tenant.emails).toHaveLength(1);
  });

  it("creates no entitlement for essentials and its code carries none", async () => {
    const res = await register({ edition: "ESSENTIALS" });
    const id = res.data.registerTenant.tenantId;
    const tenant = await t.plane.services.prisma.tenantRegistry.findUniqueOrThrow({
      where: { id },
      include: { entitlements: true, installCodes: true },
    });
    expect(tenant.entitlements).toHaveLength(0);
    expect(tenant.installCodes[0]!.entitlementId).toBeNull();
  });

  it("returns a presigned link for the public endpoint that downloads the ISO", async () => {
    const { downloadUrl, downloadUrlExpiresAt } = (await register()).data.registerTenant;
    const url = new URL(downloadUrl);
    expect(url.host).toBe(`localhost:${t.s3.port}`);
    expect(url.pathname).toBe(`/${ISO_BUCKET}/${ISO_KEY}`);
    expect(url.searchParams.get("X-Amz-Expires")).toBe(String(7 * 24 * 3600));
    const signedAt = url.searchParams.get("X-Amz-Date")!;
    const expiry = new Date(downloadUrlExpiresAt).getTime() - Date.parse(signedAt.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"));
    expect(Math.abs(expiry - 7 * 24 * 3600e3)).toBeLessThan(2000);
    // s3rver does not check signatures: recompute the SigV4 signature with the real secret ourselves
    const signer = new Minio.Client({
      endPoint: "localhost",
      port: t.s3.port,
      useSSL: false,
      region: "us-east-1",
      pathStyle: true,
      accessKey: S3_ACCESS_KEY,
      secretKey: S3_SECRET_KEY,
    });
    const date = new Date(Date.parse(signedAt.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z")));
    const expected = new URL(await signer.presignedGetObject(ISO_BUCKET, ISO_KEY, 7 * 24 * 3600, {}, date));
    expect(url.searchParams.get("X-Amz-Signature")).toBe(expected.searchParams.get("X-Amz-Signature"));

    const res = await fetch(downloadUrl);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(ISO_BYTES);
  });

  it("emails the code, link, both expiries and install steps over SMTP", async () => {
    const email = `buyer-${Date.now()}@example.test`;
    const p = (await register({ contactEmail: email, companyName: "Mail & Co" })).data.registerTenant;
    const mail = await t.smtp.waitFor((m) => m.text?.includes(p.installCode) ?? false);
    expect(mail.to && "text" in mail.to ? mail.to.text : "").toBe(email);
    expect(mail.subject).toContain("Mail & Co");
    expect(mail.text).toContain(p.downloadUrl);
    expect(mail.text).toContain("valid until");
    expect(mail.text).toMatch(/1\. Download the appliance ISO/);
    expect(mail.html).toContain(p.installCode);
    expect(mail.html).toContain("Mail &amp; Co");
    expect(mail.text?.toLowerCase()).not.toContain("password:");
    // the SMTP peer has it; the worker marks the row right after the server's answer
    const row = await eventually(
      () => t.plane.services.prisma.emailOutbox.findFirstOrThrow({ where: { tenantId: p.tenantId } }),
      (r) => r.status === "SENT",
    );
    expect(row.status).toBe("SENT");
    expect(row.sealedMessage).toBeNull(); // the code is wiped from the outbox once sent
  });

  it("lower-cases the contact email and defaults deploymentType to APPLIANCE", async () => {
    const p = (await register({ contactEmail: "Mixed.Case@Example.TEST", deploymentType: "HOSTED" })).data.registerTenant;
    expect(p.tenant.contactEmail).toBe("mixed.case@example.test");
    expect(p.tenant.deploymentType).toBe("HOSTED");
  });

  describe("idempotencyKey", () => {
    it("returns the same tenant and code on a retry and never creates a second tenant", async () => {
      const body = input({ idempotencyKey: `order-${Date.now()}` });
      const first = await t.gql(REGISTER, { input: body }, { token: t.keys.store });
      const again = await t.gql(REGISTER, { input: body }, { token: t.keys.store });
      expect(again.data.registerTenant.tenantId).toBe(first.data.registerTenant.tenantId);
      expect(again.data.registerTenant.installCode).toBe(first.data.registerTenant.installCode);
      expect(again.data.registerTenant.replayed).toBe(true);
      const count = await t.plane.services.prisma.tenantRegistry.count({ where: { contactEmail: body.contactEmail } });
      expect(count).toBe(1);
    });

    it("holds under concurrent retries", async () => {
      const body = input({ idempotencyKey: `race-${Date.now()}` });
      const results = await Promise.all(Array.from({ length: 8 }, () => t.gql(REGISTER, { input: body }, { token: t.keys.store })));
      expect(results.every((r) => !r.errors)).toBe(true);
      expect(new Set(results.map((r) => r.data.registerTenant.tenantId)).size).toBe(1);
      expect(await t.plane.services.prisma.tenantRegistry.count({ where: { contactEmail: body.contactEmail } })).toBe(1);
      expect(await t.plane.services.prisma.emailOutbox.count({ where: { recipient: body.contactEmail } })).toBe(1);
    });

    it("refuses the same key with different input", async () => {
      const key = `diff-${Date.now()}`;
      await register({ idempotencyKey: key });
      const res = await register({ idempotencyKey: key });
      expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    });

    it("refuses an empty or blank key with BAD_USER_INPUT and creates nothing; absent or null means no idempotency", async () => {
      for (const idempotencyKey of ["", "   "]) {
        const body = input({ idempotencyKey });
        const results = [await t.gql(REGISTER, { input: body }, { token: t.keys.store }), await t.gql(REGISTER, { input: body }, { token: t.keys.store })];
        for (const res of results) expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "idempotencyKey" });
        expect(await t.plane.services.prisma.tenantRegistry.count({ where: { contactEmail: body.contactEmail } })).toBe(0);
      }
      for (const over of [{ idempotencyKey: null }, {}]) {
        const res = await register(over);
        expect(res.errors).toBeUndefined();
        expect(res.data.registerTenant.replayed).toBe(false);
      }
    });

    it("a replay after the code expired says so (reason CODE_EXPIRED, naming the tenant) and never hands back the expired code", async () => {
      const body = input({ idempotencyKey: `exp-${Date.now()}` });
      const first = (await t.gql(REGISTER, { input: body }, { token: t.keys.store })).data.registerTenant;
      const services = t.plane.services;
      const clock = services.clock;
      // the API's clock moves past the code's expiry; housekeeping has not wiped the sealed copy yet
      services.clock = () => new Date(new Date(first.installCodeExpiresAt).getTime() + 1000);
      try {
        const again = await t.gql(REGISTER, { input: body }, { token: t.keys.store });
        expect(again.data ?? null).toBeNull();
        expect(again.errors?.[0]?.extensions).toMatchObject({
          code: "BAD_USER_INPUT",
          field: "idempotencyKey",
          tenantId: first.tenantId,
          reason: "CODE_EXPIRED",
        });
        expect(again.errors?.[0]?.message).toMatch(/expired/);
        expect(JSON.stringify(again)).not.toContain(first.installCode);
      } finally {
        services.clock = clock;
      }
      expect(await services.prisma.tenantRegistry.count({ where: { contactEmail: body.contactEmail } })).toBe(1);
    });

    it("is scoped to the API key", async () => {
      const body = input({ idempotencyKey: `scoped-${Date.now()}` });
      const { key: otherStore } = await import("../api/src/domain/api-keys.js").then((m) => m.createApiKey(t.plane.services.db, "STORE", "second-store"));
      const a = await t.gql(REGISTER, { input: body }, { token: t.keys.store });
      const b = await t.gql(REGISTER, { input: body }, { token: otherStore });
      expect(a.data.registerTenant.tenantId).not.toBe(b.data.registerTenant.tenantId);
    });
  });

  describe("errors", () => {
    it("UNAUTHENTICATED without a key or with a bad one", async () => {
      for (const token of [undefined, "alk_nope", `${t.keys.store.slice(0, -2)}xx`]) {
        const res = await t.gql(REGISTER, { input: input() }, { token });
        expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
        expect(res.data ?? null).toBeNull();
      }
    });

    it("FORBIDDEN for support and admin principals", async () => {
      for (const token of [t.keys.support, t.keys.admin]) {
        expect((await register({}, token)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      }
    });

    it("BAD_USER_INPUT for bad fields, naming the field", async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ contactEmail: "not-an-email" }, "contactEmail"],
        [{ companyName: "   " }, "companyName"],
        [{ companyName: "x".repeat(201) }, "companyName"],
        [{ edition: "ESSENTIALS", stripeSubscriptionId: "sub_9" }, "stripeSubscriptionId"],
      ];
      for (const [over, field] of cases) {
        const res = await register(over);
        expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
      }
      const badEnum = await register({ edition: "GOLD" });
      expect(badEnum.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    });

    it("a failed step leaves no partial rows", async () => {
      const prisma = t.plane.services.prisma;
      const email = `atomic-${Date.now()}@example.test`;
      const failingSecret = {
        ...t.plane.services.secret,
        seal: () => {
          throw new Error("sealing failed");
        },
      };
      const actor = { principal: { kind: "store" as const, apiKeyId: "k", name: "k" }, requestId: "r", clientAddress: "127.0.0.1" };
      await expect(
        registerTenant({ ...t.plane.services, secret: failingSecret }, actor, { companyName: "Half", contactEmail: email, edition: "PREMIUM" }),
      ).rejects.toThrow("sealing failed");
      expect(await prisma.tenantRegistry.count({ where: { contactEmail: email } })).toBe(0);
      expect(await prisma.entitlement.count({ where: { tenant: { contactEmail: email } } })).toBe(0);
      expect(await prisma.emailOutbox.count({ where: { recipient: email } })).toBe(0);
    });

    it("an unreachable object store fails the registration before anything is written", async () => {
      const prisma = t.plane.services.prisma;
      const email = `nostore-${Date.now()}@example.test`;
      const broken = { ...t.plane.services, isoLinks: { presign: () => Promise.reject(new Error("connect ECONNREFUSED")) } };
      const actor = { principal: { kind: "store" as const, apiKeyId: "k", name: "k" }, requestId: "r", clientAddress: "127.0.0.1" };
      await expect(registerTenant(broken, actor, { companyName: "X", contactEmail: email, edition: "PRO" })).rejects.toThrow();
      expect(await prisma.tenantRegistry.count({ where: { contactEmail: email } })).toBe(0);
    });
  });
});

describe("housekeeping", () => {
  it("wipes sealed codes once they can no longer be redeemed, and drops passed rate-limit windows", async () => {
    const { purgeExpiredSecrets } = await import("../api/src/domain/housekeeping.js");
    const prisma = t.plane.services.prisma;
    const live = (await register({ idempotencyKey: `hk-live-${Date.now()}` })).data.registerTenant;
    const dead = (await register({ idempotencyKey: `hk-dead-${Date.now()}` })).data.registerTenant;
    await prisma.installCode.updateMany({ where: { tenantId: dead.tenantId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await prisma.rateLimitWindow.create({ data: { key: "redeem:old", windowStart: new Date(Date.now() - 3600_000), count: 3 } });
    await purgeExpiredSecrets(t.plane.services.db, 900);
    expect((await prisma.idempotencyKey.findFirstOrThrow({ where: { tenantId: dead.tenantId } })).sealedCode).toBeNull();
    expect((await prisma.idempotencyKey.findFirstOrThrow({ where: { tenantId: live.tenantId } })).sealedCode).not.toBeNull();
    expect(await prisma.rateLimitWindow.findUnique({ where: { key: "redeem:old" } })).toBeNull();
  });
});
