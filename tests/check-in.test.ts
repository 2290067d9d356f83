import { createRemoteJWKSet, jwtVerify } from "jose";
import { codeOf, CHECK_IN, REDEEM, REGISTER, startTestPlane, type TestPlane } from "./helpers/control-plane.js";

let t: TestPlane;
beforeAll(async () => {
  t = await startTestPlane();
});
afterAll(() => t.stop());

async function installed(edition = "PRO", applianceId = `ci-${Math.random().toString(36).slice(2, 10)}`) {
  const reg = (
    await t.gql(
      REGISTER,
      {
        input: { companyName: "Check Co", contactEmail: `c-${Math.random().toString(36).slice(2)}@x.test`, edition },
      },
      { token: t.keys.store },
    )
  ).data.registerTenant;
  const red = (await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId } })).data.redeemInstallCode;
  return { tenantId: reg.tenantId as string, applianceId, credential: red.applianceCredential as string, firstJwt: red.firstJwt as string };
}

const checkIn = (token: string | undefined, applianceId: string, applianceVersion?: string) =>
  t.gql(CHECK_IN, { input: { applianceId, applianceVersion } }, { token });

describe("checkIn", () => {
  it("re-signs the license with aud = the tenant, records the check-in and makes the tenant ACTIVE", async () => {
    const a = await installed("PREMIUM");
    const res = await checkIn(a.credential, a.applianceId, "2.4.1");
    expect(res.errors).toBeUndefined();
    const p = res.data.checkIn;
    expect(p).toMatchObject({ tenantId: a.tenantId, edition: "PREMIUM" });
    const jwks = createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(p.token, jwks, { audience: a.tenantId });
    expect(payload.sub).toBe(a.applianceId);
    expect(new Date(p.expiresAt).getTime()).toBe(payload.exp! * 1000);
    expect(p.token).not.toBe(a.firstJwt);

    const prisma = t.plane.services.prisma;
    const tenant = await prisma.tenantRegistry.findUniqueOrThrow({ where: { id: a.tenantId } });
    expect(tenant.status).toBe("ACTIVE");
    expect(tenant.lastCheckInAt).not.toBeNull();
    const appliance = await prisma.appliance.findFirstOrThrow({ where: { applianceId: a.applianceId, tenantId: a.tenantId } });
    expect(appliance).toMatchObject({ reportedVersion: "2.4.1", licenseJti: payload.jti });
    expect(appliance.lastCheckInAt).not.toBeNull();
    const audit = await prisma.auditEvent.findFirstOrThrow({ where: { tenantId: a.tenantId, action: "appliance.checked_in" } });
    expect(audit).toMatchObject({ principalType: "appliance", principalId: a.applianceId });
  });

  it("UNAUTHENTICATED without, or with an unknown or revoked, credential", async () => {
    const a = await installed();
    expect(codeOf(await checkIn(undefined, a.applianceId))).toBe("UNAUTHENTICATED");
    const unknown = await checkIn("alc_garbage", a.applianceId);
    expect(codeOf(unknown)).toBe("UNAUTHENTICATED");
    // a never-issued credential: the answer names the possible causes without asserting one it cannot know
    expect(unknown.errors![0]!.message).toMatch(/not accepted: it is unknown to this service, or it was revoked or replaced/);
    await t.plane.services.prisma.appliance.updateMany({
      where: { applianceId: a.applianceId, tenantId: a.tenantId },
      data: { credentialRevokedAt: new Date() },
    });
    expect(codeOf(await checkIn(a.credential, a.applianceId))).toBe("UNAUTHENTICATED");
  });

  it("FORBIDDEN for API-key principals", async () => {
    const a = await installed();
    expect(codeOf(await checkIn(t.keys.admin, a.applianceId))).toBe("FORBIDDEN");
  });

  it("FORBIDDEN for any appliance id but the credential's own: whether it exists elsewhere is not revealed", async () => {
    const a = await installed();
    const b = await installed();
    const unknown = await checkIn(a.credential, "no-such-appliance");
    expect(codeOf(unknown)).toBe("FORBIDDEN");
    const other = await checkIn(a.credential, b.applianceId);
    expect(codeOf(other)).toBe("FORBIDDEN");
    expect(other.errors![0]!.message).toBe(unknown.errors![0]!.message);
  });

  it("TENANT_SUSPENDED for a suspended tenant", async () => {
    const a = await installed();
    await t.plane.services.prisma.tenantRegistry.update({ where: { id: a.tenantId }, data: { status: "SUSPENDED" } });
    expect(codeOf(await checkIn(a.credential, a.applianceId))).toBe("TENANT_SUSPENDED");
  });

  it("BAD_USER_INPUT for a malformed appliance id", async () => {
    const a = await installed();
    expect(codeOf(await checkIn(a.credential, "bad id"))).toBe("BAD_USER_INPUT");
  });

  it("the check-in write holds only for the credential that authenticated: a reinstall in between wins", async () => {
    const { findSession, recordCheckIn, upsertAppliance } = await import("../api/src/data/appliances.js");
    const { sha256 } = await import("../api/src/domain/credentials.js");
    const a = await installed();
    const db = t.plane.services.db;
    const session = (await findSession(db, { credentialDigest: sha256(a.credential) }))!;
    // a reinstall of the same appliance replaces the credential on the same row
    await upsertAppliance(db, {
      tenantId: a.tenantId,
      applianceId: a.applianceId,
      edition: "PRO",
      credentialDigest: sha256("alc_replacement"),
      licenseJti: null,
      licenseExpiresAt: null,
      installCodeId: null,
      now: new Date(),
    });
    const written = await recordCheckIn(db, {
      applianceRowId: session.applianceRowId,
      credentialDigest: session.credentialDigest,
      tenantId: a.tenantId,
      revision: session.tenantRevision,
      edition: "PRO",
      licenseJti: "stale",
      licenseExpiresAt: new Date(Date.now() + 60_000),
      version: null,
      now: new Date(),
      audit: { principalId: a.applianceId, requestId: "test", details: {} },
    });
    expect(written).toBe(false);
    expect(await t.plane.services.prisma.auditEvent.count({ where: { tenantId: a.tenantId, action: "appliance.checked_in" } })).toBe(0);
  });
});
