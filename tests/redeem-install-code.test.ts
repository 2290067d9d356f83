import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { codeOf, REDEEM, REGISTER, REISSUE, startTestPlane, type TestPlane } from "./helpers/control-plane.js";

let t: TestPlane;
beforeAll(async () => {
  t = await startTestPlane({ REDEEM_MAX_FAILURES: "10" });
});
afterAll(() => t.stop());

let addr = 0;
/** a distinct client address per call site keeps the per-address rate limit out of unrelated tests */
const nextAddress = () => `203.0.113.${++addr % 250}`;

async function registered(edition = "PRO") {
  const res = await t.gql(REGISTER, {
    input: { companyName: `Co ${edition}`, contactEmail: `it-${Math.random().toString(36).slice(2)}@corp.test`, edition },
  }, { token: t.keys.store });
  return res.data.registerTenant as { tenantId: string; installCode: string };
}

const redeem = (installCode: string, applianceId = `appl-${Math.random().toString(36).slice(2, 10)}`, clientAddress = nextAddress()) =>
  t.gql(REDEEM, { input: { installCode, applianceId } }, { clientAddress });


describe("redeemInstallCode", () => {
  it("paid: returns a license bound to the registry tenant, a credential and the check-in URL", async () => {
    const reg = await registered("PREMIUM");
    const res = await redeem(reg.installCode.toLowerCase().replace(/-/g, ""), "appl-paid-1");
    expect(res.errors).toBeUndefined();
    const p = res.data.redeemInstallCode;
    expect(p).toMatchObject({ tenantId: reg.tenantId, edition: "PREMIUM", companyName: "Co PREMIUM", checkInUrl: `${t.url}/graphql` });
    expect(p.applianceCredential).toMatch(/^alc_[A-Za-z0-9_-]{43}$/);

    const jwks = createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(p.firstJwt, jwks, { audience: reg.tenantId, issuer: t.url });
    expect(protectedHeader.alg).toBe("EdDSA");
    const published = (await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect(published.keys.map((k) => k.kid)).toContain(protectedHeader.kid);
    expect(payload).toMatchObject({ sub: "appl-paid-1", aud: reg.tenantId, edition: "PREMIUM" });
    expect(payload.features).toEqual(expect.arrayContaining(["MOBILE_ACCESS"]));
    expect(payload.exp! - payload.iat!).toBe(30 * 24 * 3600);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    // a token for another tenant does not verify
    await expect(jwtVerify(p.firstJwt, jwks, { audience: "00000000-0000-0000-0000-000000000000" })).rejects.toThrow();

    const prisma = t.plane.services.prisma;
    const tenant = await prisma.tenantRegistry.findUniqueOrThrow({ where: { id: reg.tenantId }, include: { appliances: true, auditEvents: true } });
    expect(tenant.status).toBe("INSTALLED");
    expect(tenant.installedAt).not.toBeNull();
    expect(tenant.appliances).toHaveLength(1);
    expect(tenant.appliances[0]).toMatchObject({ applianceId: "appl-paid-1", edition: "PREMIUM", licenseJti: payload.jti });
    expect(tenant.appliances[0]!.credentialDigest).not.toContain(p.applianceCredential);
    expect(tenant.auditEvents.map((e) => e.action).sort()).toEqual(["install_code.redeemed", "tenant.registered"]);
    const code = await prisma.installCode.findFirstOrThrow({ where: { tenantId: reg.tenantId } });
    expect(code).toMatchObject({ consumedBy: "appl-paid-1" });
  });

  it("essentials: no token, no credential, no check-in URL", async () => {
    const reg = await registered("ESSENTIALS");
    const p = (await redeem(reg.installCode)).data.redeemInstallCode;
    expect(p).toEqual({
      tenantId: reg.tenantId, edition: "ESSENTIALS", companyName: "Co ESSENTIALS", contactEmail: expect.any(String),
      applianceCredential: null, firstJwt: null, checkInUrl: null,
    });
  });

  it("exactly one of 50 parallel redeems wins; the rest get CONSUMED_INSTALL_CODE", async () => {
    const reg = await registered();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => redeem(reg.installCode, `racer-${i}`, `198.51.100.${i + 1}`)));
    const winners = results.filter((r) => !r.errors);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => codeOf(r) === "CONSUMED_INSTALL_CODE")).toHaveLength(49);
    expect(await t.plane.services.prisma.appliance.count({ where: { tenantId: reg.tenantId } })).toBe(1);
    expect(await t.plane.services.prisma.auditEvent.count({ where: { tenantId: reg.tenantId, action: "install_code.redeemed" } })).toBe(1);
  });

  it("INVALID_INSTALL_CODE for malformed, wrong-check and unknown codes alike", async () => {
    const reg = await registered();
    const canonical = reg.installCode.replace(/-/g, "");
    const typo = canonical.slice(0, 3) + (canonical[3] === "A" ? "B" : "A") + canonical.slice(4);
    const unknown = (await registered()).installCode; // valid format, but make it unknown by tampering two symbols
    const swapped = unknown.slice(0, 1) === "Z" ? `Y${unknown.slice(1)}` : `Z${unknown.slice(1)}`;
    const messages = new Set<string>();
    for (const code of ["hello", "ABCD-EFGH-JKMN", typo, swapped, ""]) {
      const res = await redeem(code);
      expect(codeOf(res)).toBe("INVALID_INSTALL_CODE");
      messages.add(res.errors![0]!.message);
    }
    expect(messages.size).toBe(1); // indistinguishable to the caller
  });

  it("EXPIRED_INSTALL_CODE after the TTL", async () => {
    const reg = await registered();
    await t.plane.services.prisma.installCode.updateMany({ where: { tenantId: reg.tenantId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const res = await redeem(reg.installCode);
    expect(codeOf(res)).toBe("EXPIRED_INSTALL_CODE");
    expect(res.errors![0]!.message).toMatch(/re-issue/);
  });

  it("REVOKED_INSTALL_CODE for a code that was replaced by a reissue", async () => {
    const reg = await registered();
    await t.gql(REISSUE, { input: { tenantId: reg.tenantId } }, { token: t.keys.store });
    expect(codeOf(await redeem(reg.installCode))).toBe("REVOKED_INSTALL_CODE");
  });

  it("TENANT_SUSPENDED for a suspended tenant, and the code stays unconsumed", async () => {
    const reg = await registered();
    const prisma = t.plane.services.prisma;
    await prisma.tenantRegistry.update({ where: { id: reg.tenantId }, data: { status: "SUSPENDED" } });
    expect(codeOf(await redeem(reg.installCode))).toBe("TENANT_SUSPENDED");
    expect((await prisma.installCode.findFirstOrThrow({ where: { tenantId: reg.tenantId } })).consumedAt).toBeNull();
    expect(await prisma.appliance.count({ where: { tenantId: reg.tenantId } })).toBe(0);
  });

  it("BAD_USER_INPUT for an unusable appliance id", async () => {
    const reg = await registered();
    for (const applianceId of ["", "has space", "x".repeat(200), "-leading"]) {
      expect(codeOf(await redeem(reg.installCode, applianceId))).toBe("BAD_USER_INPUT");
    }
  });

  it("the tenant comes from the code: a tenantId in the input only narrows (connect), and a mismatch consumes nothing", async () => {
    const a = await registered();
    const b = await registered();
    const mismatch = await t.gql(`mutation($input: RedeemInstallCodeInput!) { redeemInstallCode(input: $input) { tenantId } }`, {
      input: { installCode: a.installCode, applianceId: "connect-box", tenantId: b.tenantId },
    });
    expect(mismatch.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "OTHER_TENANT" });
    const code = await t.plane.services.prisma.installCode.findFirstOrThrow({ where: { tenantId: a.tenantId } });
    expect(code.consumedAt).toBeNull();
    expect(await t.plane.services.prisma.appliance.count({ where: { applianceId: "connect-box" } })).toBe(0);
    const ok = await t.gql(`mutation($input: RedeemInstallCodeInput!) { redeemInstallCode(input: $input) { tenantId } }`, {
      input: { installCode: a.installCode, applianceId: "connect-box", tenantId: a.tenantId },
    });
    expect(ok.data.redeemInstallCode.tenantId).toBe(a.tenantId);
    const plain = await redeem(b.installCode, "plain-box");
    expect(plain.data.redeemInstallCode.tenantId).toBe(b.tenantId);
  });

  it("RATE_LIMITED after 10 failures from one address; successes do not count; other addresses unaffected", async () => {
    const address = "192.0.2.77";
    const good = await registered();
    expect((await redeem(good.installCode, "rl-ok", address)).errors).toBeUndefined();
    for (let i = 0; i < 10; i++) expect(codeOf(await redeem("BAD", undefined, address))).toBe("INVALID_INSTALL_CODE");
    const fresh = await registered();
    const blocked = await redeem(fresh.installCode, undefined, address);
    expect(codeOf(blocked)).toBe("RATE_LIMITED");
    expect(blocked.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(800);
    expect((await redeem(fresh.installCode, undefined, "192.0.2.78")).errors).toBeUndefined();
    // the window passes: the address may try again
    await t.plane.services.prisma.rateLimitWindow.update({
      where: { key: `redeem:${address}` },
      data: { windowStart: new Date(Date.now() - 16 * 60 * 1000) },
    });
    expect(codeOf(await redeem("BAD", undefined, address))).toBe("INVALID_INSTALL_CODE");
  });

  it("a reinstall on the same appliance id rebinds it with a fresh credential", async () => {
    const reg = await registered();
    const first = (await redeem(reg.installCode, "appl-reinstall")).data.redeemInstallCode;
    const re = (await t.gql(REISSUE, { input: { tenantId: reg.tenantId } }, { token: t.keys.store })).data.reissueInstallCode;
    const second = (await redeem(re.installCode, "appl-reinstall")).data.redeemInstallCode;
    expect(second.tenantId).toBe(reg.tenantId);
    expect(second.applianceCredential).not.toBe(first.applianceCredential);
    expect(decodeProtectedHeader(second.firstJwt).kid).toBeDefined();
    expect(await t.plane.services.prisma.appliance.count({ where: { applianceId: "appl-reinstall" } })).toBe(1);
  });
});
