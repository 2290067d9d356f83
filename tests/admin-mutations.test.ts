import { codeOf, CHECK_IN, REDEEM, REGISTER, REISSUE, startTestPlane, type TestPlane } from "./helpers/control-plane.js";

let t: TestPlane;
beforeAll(async () => {
  t = await startTestPlane();
});
afterAll(() => t.stop());

async function installed() {
  const reg = (
    await t.gql(
      REGISTER,
      { input: { companyName: "Admin Co", contactEmail: `a-${Math.random().toString(36).slice(2)}@x.test`, edition: "PRO" } },
      { token: t.keys.store },
    )
  ).data.registerTenant;
  const applianceId = `adm-${Math.random().toString(36).slice(2, 8)}`;
  const red = (await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId } })).data.redeemInstallCode;
  await t.gql(CHECK_IN, { input: { applianceId } }, { token: red.applianceCredential });
  return { tenantId: reg.tenantId as string, applianceId, credential: red.applianceCredential as string };
}

const audits = (tenantId: string, action: string) => t.plane.services.prisma.auditEvent.findMany({ where: { tenantId, action } });

describe("admin mutations", () => {
  it("suspend blocks check-in with TENANT_SUSPENDED; reactivate restores ACTIVE; both audited", async () => {
    const a = await installed();
    const s = await t.gql(
      `mutation($id: ID!) { suspendTenant(tenantId: $id, reason: "unpaid invoice") { id status suspendedAt } }`,
      { id: a.tenantId },
      { token: t.keys.admin },
    );
    expect(s.data.suspendTenant).toMatchObject({ id: a.tenantId, status: "SUSPENDED" });
    expect(codeOf(await t.gql(CHECK_IN, { input: { applianceId: a.applianceId } }, { token: a.credential }))).toBe("TENANT_SUSPENDED");
    expect(codeOf(await t.gql(REISSUE, { input: { tenantId: a.tenantId } }, { token: t.keys.store }))).toBe("TENANT_SUSPENDED");
    const [event] = await audits(a.tenantId, "tenant.suspended");
    expect(event).toMatchObject({ principalType: "admin", details: { previousStatus: "ACTIVE", reason: "unpaid invoice" } });

    const r = await t.gql(`mutation($id: ID!) { reactivateTenant(tenantId: $id) { status suspendedAt } }`, { id: a.tenantId }, { token: t.keys.admin });
    expect(r.data.reactivateTenant).toEqual({ status: "ACTIVE", suspendedAt: null });
    expect((await t.gql(CHECK_IN, { input: { applianceId: a.applianceId } }, { token: a.credential })).errors).toBeUndefined();
    expect(await audits(a.tenantId, "tenant.reactivated")).toHaveLength(1);
    // reactivating a tenant that is not suspended is a clear input error
    expect(codeOf(await t.gql(`mutation($id: ID!) { reactivateTenant(tenantId: $id) { status } }`, { id: a.tenantId }, { token: t.keys.admin }))).toBe(
      "BAD_USER_INPUT",
    );
    expect(codeOf(await t.gql(`mutation { suspendTenant(tenantId: "00000000-0000-4000-8000-000000000000") { id } }`, {}, { token: t.keys.admin }))).toBe(
      "TENANT_NOT_FOUND",
    );
  });

  it("revokeApplianceCredential: the next check-in is UNAUTHENTICATED; audited", async () => {
    const a = await installed();
    const res = await t.gql(
      `mutation($a: String!) { revokeApplianceCredential(applianceId: $a) { applianceId credentialActive credentialRevokedAt } }`,
      { a: a.applianceId },
      { token: t.keys.admin },
    );
    expect(res.data.revokeApplianceCredential).toMatchObject({ applianceId: a.applianceId, credentialActive: false });
    expect(codeOf(await t.gql(CHECK_IN, { input: { applianceId: a.applianceId } }, { token: a.credential }))).toBe("UNAUTHENTICATED");
    expect(await audits(a.tenantId, "appliance.credential_revoked")).toHaveLength(1);
    expect(codeOf(await t.gql(`mutation { revokeApplianceCredential(applianceId: "ghost") { applianceId } }`, {}, { token: t.keys.admin }))).toBe(
      "APPLIANCE_NOT_FOUND",
    );
  });

  it("revokeInstallCode: the code reads REVOKED and cannot be redeemed; a consumed code cannot be revoked", async () => {
    const reg = (
      await t.gql(REGISTER, { input: { companyName: "Rev", contactEmail: `r-${Date.now()}@x.test`, edition: "ESSENTIALS" } }, { token: t.keys.store })
    ).data.registerTenant;
    const code = await t.plane.services.prisma.installCode.findFirstOrThrow({ where: { tenantId: reg.tenantId } });
    const res = await t.gql(`mutation($id: ID!) { revokeInstallCode(installCodeId: $id) { id state revokedAt } }`, { id: code.id }, { token: t.keys.admin });
    expect(res.data.revokeInstallCode).toMatchObject({ id: code.id, state: "REVOKED" });
    expect(codeOf(await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId: "x1" } }))).toBe("REVOKED_INSTALL_CODE");
    expect(await audits(reg.tenantId, "install_code.revoked")).toHaveLength(1);

    const a = await installed();
    const consumed = await t.plane.services.prisma.installCode.findFirstOrThrow({ where: { tenantId: a.tenantId } });
    expect(codeOf(await t.gql(`mutation($id: ID!) { revokeInstallCode(installCodeId: $id) { id } }`, { id: consumed.id }, { token: t.keys.admin }))).toBe(
      "CONSUMED_INSTALL_CODE",
    );
  });
});
