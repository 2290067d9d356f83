import { codeOf, REDEEM, REGISTER, REISSUE, startTestPlane, type TestPlane } from "./helpers/control-plane.js";

let t: TestPlane;
beforeAll(async () => {
  t = await startTestPlane();
});
afterAll(() => t.stop());

const uniqueEmail = () => `owner-${Math.random().toString(36).slice(2)}@tenant.test`;

async function register(edition = "PRO", contactEmail = uniqueEmail()) {
  const res = await t.gql(REGISTER, { input: { companyName: "Reissue Co", contactEmail, edition } }, { token: t.keys.store });
  return res.data.registerTenant as { tenantId: string; installCode: string };
}
const reissue = (input: Record<string, unknown>, token = t.keys.store) => t.gql(REISSUE, { input }, { token });

describe("reissueInstallCode", () => {
  it("by contact email: revokes the unconsumed code, keeps the tenant id and re-attaches the entitlement", async () => {
    const email = uniqueEmail();
    const reg = await register("PREMIUM", email);
    const res = await reissue({ contactEmail: email.toUpperCase() });
    expect(res.errors).toBeUndefined();
    const p = res.data.reissueInstallCode;
    expect(p.tenantId).toBe(reg.tenantId);
    expect(p.installCode).not.toBe(reg.installCode);
    expect(p.revokedCodes).toBe(1);
    expect(new URL(p.downloadUrl).host).toBe(`localhost:${t.s3.port}`);
    expect((await fetch(p.downloadUrl)).status).toBe(200);

    const old = await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId: "r-1" } }, { clientAddress: "10.9.0.1" });
    expect(codeOf(old)).toBe("REVOKED_INSTALL_CODE");
    const fresh = (await t.gql(REDEEM, { input: { installCode: p.installCode, applianceId: "r-1" } })).data.redeemInstallCode;
    expect(fresh).toMatchObject({ tenantId: reg.tenantId, edition: "PREMIUM" });
    expect(fresh.firstJwt).toEqual(expect.any(String));

    const events = await t.plane.services.prisma.auditEvent.findMany({ where: { tenantId: reg.tenantId, action: "install_code.reissued" } });
    expect(events).toHaveLength(1);
    expect(events[0]!.principalType).toBe("store");
  });

  it("by tenant id, for the admin principal too, after the first code was consumed (reinstall)", async () => {
    const reg = await register("ESSENTIALS");
    await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId: "box-1" } });
    const p = (await reissue({ tenantId: reg.tenantId }, t.keys.admin)).data.reissueInstallCode;
    expect(p).toMatchObject({ tenantId: reg.tenantId, revokedCodes: 0 });
    const again = (await t.gql(REDEEM, { input: { installCode: p.installCode, applianceId: "box-1" } })).data.redeemInstallCode;
    expect(again).toMatchObject({ tenantId: reg.tenantId, edition: "ESSENTIALS", firstJwt: null });
    const codes = await t.plane.services.prisma.installCode.findMany({ where: { tenantId: reg.tenantId } });
    expect(codes.every((c) => c.consumedAt && !c.revokedAt)).toBe(true);
  });

  it("emails the new code", async () => {
    const email = uniqueEmail();
    const reg = await register("PRO", email);
    const p = (await reissue({ tenantId: reg.tenantId })).data.reissueInstallCode;
    const mail = await t.smtp.waitFor((m) => m.text?.includes(p.installCode) ?? false);
    expect(mail.subject).toMatch(/new .*install code/i);
    expect(mail.text).toContain("earlier unused code no longer works");
  });

  it("AMBIGUOUS_TENANT when one email has several tenants, with the candidates", async () => {
    const email = uniqueEmail();
    const a = await register("PRO", email);
    const b = await register("ESSENTIALS", email);
    const res = await reissue({ contactEmail: email });
    expect(codeOf(res)).toBe("AMBIGUOUS_TENANT");
    expect(res.errors![0]!.extensions!.tenantIds).toEqual([a.tenantId, b.tenantId]);
    expect((await reissue({ tenantId: b.tenantId })).data.reissueInstallCode.tenantId).toBe(b.tenantId);
  });

  it("TENANT_NOT_FOUND for an unknown email or id", async () => {
    expect(codeOf(await reissue({ contactEmail: "nobody@nowhere.test" }))).toBe("TENANT_NOT_FOUND");
    expect(codeOf(await reissue({ tenantId: "6f1c3b1e-0000-4000-8000-000000000000" }))).toBe("TENANT_NOT_FOUND");
  });

  it("BAD_USER_INPUT unless exactly one selector is given, or when it is malformed", async () => {
    const reg = await register();
    expect(codeOf(await reissue({}))).toBe("BAD_USER_INPUT");
    expect(codeOf(await reissue({ contactEmail: uniqueEmail(), tenantId: reg.tenantId }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await reissue({ tenantId: "not-a-uuid" }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await reissue({ contactEmail: "broken" }))).toBe("BAD_USER_INPUT");
  });

  it("TENANT_SUSPENDED for a suspended tenant; nothing is revoked", async () => {
    const reg = await register();
    await t.plane.services.prisma.tenantRegistry.update({ where: { id: reg.tenantId }, data: { status: "SUSPENDED" } });
    expect(codeOf(await reissue({ tenantId: reg.tenantId }))).toBe("TENANT_SUSPENDED");
    const codes = await t.plane.services.prisma.installCode.findMany({ where: { tenantId: reg.tenantId } });
    expect(codes).toHaveLength(1);
    expect(codes[0]!.revokedAt).toBeNull();
  });

  it("UNAUTHENTICATED without a key; FORBIDDEN for support", async () => {
    const reg = await register();
    expect(codeOf(await t.gql(REISSUE, { input: { tenantId: reg.tenantId } }))).toBe("UNAUTHENTICATED");
    expect(codeOf(await reissue({ tenantId: reg.tenantId }, t.keys.support))).toBe("FORBIDDEN");
  });
});
