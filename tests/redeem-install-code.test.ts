import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { CHECK_IN, codeOf, REDEEM, REGISTER, REISSUE, startTestPlane, type TestPlane } from "./helpers/control-plane.js";

let t: TestPlane;
beforeAll(async () => {
  t = await startTestPlane({ REDEEM_MAX_FAILURES: "10" });
});
afterAll(() => t.stop());

let addr = 0;
/** a distinct client address per call site keeps the per-address rate limit out of unrelated tests */
const nextAddress = () => `203.0.113.${++addr % 250}`;

async function registered(edition = "PRO") {
  const res = await t.gql(
    REGISTER,
    {
      input: { companyName: `Co ${edition}`, contactEmail: `it-${Math.random().toString(36).slice(2)}@corp.test`, edition },
    },
    { token: t.keys.store },
  );
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
      tenantId: reg.tenantId,
      edition: "ESSENTIALS",
      companyName: "Co ESSENTIALS",
      contactEmail: expect.any(String),
      applianceCredential: null,
      firstJwt: null,
      checkInUrl: null,
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

const REDEEM_KEYED = `mutation Redeem($input: RedeemInstallCodeInput!) {
  redeemInstallCode(input: $input) { tenantId edition companyName applianceCredential firstJwt checkInUrl reinstalled replayed }
}`;

const redeemKeyed = (input: { installCode: string; applianceId: string; redemptionKey?: string | null; tenantId?: string }, clientAddress = nextAddress()) =>
  t.gql(REDEEM_KEYED, { input }, { clientAddress });
const checkIn = (credential: string, applianceId: string) => t.gql(CHECK_IN, { input: { applianceId } }, { token: credential });
const jtiOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()).jti as string;
const history = (tenantId: string) =>
  t.gql(
    `query($id: ID!) { tenant(id: $id) { seatsUsed auditEvents { action requestId details createdAt } entitlementHistory { action details } } }`,
    { id: tenantId },
    { token: t.keys.support },
  );
const actions = async (tenantId: string) =>
  (await t.plane.services.prisma.auditEvent.findMany({ where: { tenantId }, orderBy: { seq: "asc" } })).map((e) => e.action);

describe("redemptionKey: a lost answer is replayed to its own appliance", () => {
  it("BAD_USER_INPUT (field redemptionKey) for an empty, blank or too long key, and nothing is consumed; 128 characters are fine", async () => {
    const reg = await registered();
    for (const redemptionKey of ["", "   ", "k".repeat(129), "line\nbreak"]) {
      const res = await redeemKeyed({ installCode: reg.installCode, applianceId: "key-check", redemptionKey });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "redemptionKey" });
    }
    expect((await t.plane.services.prisma.installCode.findFirstOrThrow({ where: { tenantId: reg.tenantId } })).consumedAt).toBeNull();
    expect((await redeemKeyed({ installCode: reg.installCode, applianceId: "key-check", redemptionKey: "k".repeat(128) })).errors).toBeUndefined();
  });

  it("the same code, appliance id and key replay the redemption: same tenant and edition, a fresh credential and license, the earlier credential dead", async () => {
    const reg = await registered("PREMIUM");
    const key = "rk-" + Math.random().toString(36).slice(2);
    const first = (await redeemKeyed({ installCode: reg.installCode, applianceId: "lost-answer", redemptionKey: key })).data.redeemInstallCode;
    expect(first).toMatchObject({ tenantId: reg.tenantId, edition: "PREMIUM", reinstalled: false, replayed: false });
    // the answer never arrived: the appliance retries, the code written differently
    const again = await redeemKeyed({ installCode: reg.installCode.toLowerCase(), applianceId: "lost-answer", redemptionKey: key });
    expect(again.errors).toBeUndefined();
    const replay = again.data.redeemInstallCode;
    expect(replay).toMatchObject({
      tenantId: reg.tenantId,
      edition: "PREMIUM",
      companyName: "Co PREMIUM",
      checkInUrl: `${t.url}/graphql`,
      reinstalled: false,
      replayed: true,
    });
    expect(replay.applianceCredential).toMatch(/^alc_/);
    expect(replay.applianceCredential).not.toBe(first.applianceCredential);
    expect(jtiOf(replay.firstJwt)).not.toBe(jtiOf(first.firstJwt));
    expect(codeOf(await checkIn(first.applianceCredential, "lost-answer"))).toBe("UNAUTHENTICATED");
    expect((await checkIn(replay.applianceCredential, "lost-answer")).data.checkIn.tenantId).toBe(reg.tenantId);

    const prisma = t.plane.services.prisma;
    expect(await prisma.appliance.count({ where: { tenantId: reg.tenantId } })).toBe(1);
    expect(await actions(reg.tenantId)).toEqual(["tenant.registered", "install_code.redeemed", "install_code.redemption_replayed", "appliance.checked_in"]);
    const audit = await prisma.auditEvent.findFirstOrThrow({ where: { tenantId: reg.tenantId, action: "install_code.redemption_replayed" } });
    expect(audit.details).toMatchObject({
      applianceId: "lost-answer",
      edition: "PREMIUM",
      licenseJti: jtiOf(replay.firstJwt),
      replacedLicenseJti: jtiOf(first.firstJwt),
    });
    const view = (await history(reg.tenantId)).data.tenant;
    expect(view.seatsUsed).toBe(1);
    expect(view.auditEvents.map((e: { action: string }) => e.action)).toContain("install_code.redemption_replayed");
    // only a digest of the key is stored, bound to the code and the server secret
    const code = await prisma.installCode.findFirstOrThrow({ where: { tenantId: reg.tenantId } });
    expect(code.redemptionKeyDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(code.redemptionKeyDigest).not.toContain(key);
    expect(code.replayedAt).not.toBeNull();
  });

  it("anyone else still gets CONSUMED_INSTALL_CODE: another key, another appliance id with the key, no key", async () => {
    const reg = await registered();
    const first = (await redeemKeyed({ installCode: reg.installCode, applianceId: "holder", redemptionKey: "the-key" })).data.redeemInstallCode;
    for (const input of [
      { applianceId: "holder", redemptionKey: "another-key" },
      { applianceId: "someone-else", redemptionKey: "the-key" },
      { applianceId: "holder" },
      { applianceId: "holder", redemptionKey: null },
    ]) {
      expect(codeOf(await redeemKeyed({ installCode: reg.installCode, ...input }))).toBe("CONSUMED_INSTALL_CODE");
    }
    // nothing of theirs was written: the holder's credential still works
    expect((await checkIn(first.applianceCredential, "holder")).data.checkIn.tenantId).toBe(reg.tenantId);
    // a redemption made without a key can never be replayed
    const plain = await registered();
    expect((await redeemKeyed({ installCode: plain.installCode, applianceId: "no-key" })).errors).toBeUndefined();
    expect(codeOf(await redeemKeyed({ installCode: plain.installCode, applianceId: "no-key", redemptionKey: "late-key" }))).toBe("CONSUMED_INSTALL_CODE");
  });

  it("only within the code's lifetime, and not once a reinstall or an admin revocation ended that redemption's credential", async () => {
    const prisma = t.plane.services.prisma;
    const expired = await registered();
    await redeemKeyed({ installCode: expired.installCode, applianceId: "late", redemptionKey: "k1" });
    await prisma.installCode.updateMany({ where: { tenantId: expired.tenantId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(codeOf(await redeemKeyed({ installCode: expired.installCode, applianceId: "late", redemptionKey: "k1" }))).toBe("CONSUMED_INSTALL_CODE");

    const reinstalled = await registered();
    await redeemKeyed({ installCode: reinstalled.installCode, applianceId: "box", redemptionKey: "k2" });
    const re = (await t.gql(REISSUE, { input: { tenantId: reinstalled.tenantId } }, { token: t.keys.store })).data.reissueInstallCode;
    const second = (await redeemKeyed({ installCode: re.installCode, applianceId: "box", redemptionKey: "k3" })).data.redeemInstallCode;
    expect(codeOf(await redeemKeyed({ installCode: reinstalled.installCode, applianceId: "box", redemptionKey: "k2" }))).toBe("CONSUMED_INSTALL_CODE");
    expect((await checkIn(second.applianceCredential, "box")).errors).toBeUndefined();

    const revoked = await registered();
    await redeemKeyed({ installCode: revoked.installCode, applianceId: "revoked-box", redemptionKey: "k4" });
    const rev = await t.gql(
      `mutation($id: String!, $tenant: ID) { revokeApplianceCredential(applianceId: $id, tenantId: $tenant) { applianceId } }`,
      { id: "revoked-box", tenant: revoked.tenantId },
      { token: t.keys.admin },
    );
    expect(rev.errors).toBeUndefined();
    expect(codeOf(await redeemKeyed({ installCode: revoked.installCode, applianceId: "revoked-box", redemptionKey: "k4" }))).toBe("CONSUMED_INSTALL_CODE");
  });

  it("a suspended tenant's redemption is not replayed (TENANT_SUSPENDED)", async () => {
    const reg = await registered();
    await redeemKeyed({ installCode: reg.installCode, applianceId: "susp", redemptionKey: "k" });
    await t.plane.services.prisma.tenantRegistry.update({ where: { id: reg.tenantId }, data: { status: "SUSPENDED" } });
    expect(codeOf(await redeemKeyed({ installCode: reg.installCode, applianceId: "susp", redemptionKey: "k" }))).toBe("TENANT_SUSPENDED");
  });

  it("connect (tenantId given) replays as well; essentials replays without a credential", async () => {
    const reg = await registered();
    const input = { installCode: reg.installCode, applianceId: "connect-replay", tenantId: reg.tenantId, redemptionKey: "ck" };
    const first = (await redeemKeyed(input)).data.redeemInstallCode;
    const replay = (await redeemKeyed(input)).data.redeemInstallCode;
    expect(replay).toMatchObject({ tenantId: reg.tenantId, edition: "PRO", replayed: true });
    expect(codeOf(await checkIn(first.applianceCredential, "connect-replay"))).toBe("UNAUTHENTICATED");

    const ess = await registered("ESSENTIALS");
    await redeemKeyed({ installCode: ess.installCode, applianceId: "ess-replay", redemptionKey: "ek" });
    expect((await redeemKeyed({ installCode: ess.installCode, applianceId: "ess-replay", redemptionKey: "ek" })).data.redeemInstallCode).toMatchObject({
      tenantId: ess.tenantId,
      edition: "ESSENTIALS",
      applianceCredential: null,
      firstJwt: null,
      replayed: true,
    });
  });
});

describe("a live credential displaced by a redemption under the same appliance id", () => {
  it("is audited as appliance.credential_replaced in the redemption's transaction, with the displaced appliance's last check-in and license, in the tenant's history", async () => {
    const reg = await registered();
    // (without redemption keys: this holds for every caller, old or new)
    const reinstall = (installCode: string) =>
      t.gql(
        `mutation($input: RedeemInstallCodeInput!) { redeemInstallCode(input: $input) { applianceCredential firstJwt reinstalled } }`,
        { input: { installCode, applianceId: "working-box" } },
        { clientAddress: nextAddress() },
      );
    const first = (await reinstall(reg.installCode)).data.redeemInstallCode;
    const checked = (await checkIn(first.applianceCredential, "working-box")).data.checkIn;
    const row = await t.plane.services.prisma.appliance.findFirstOrThrow({ where: { tenantId: reg.tenantId, applianceId: "working-box" } });
    const re = (await t.gql(REISSUE, { input: { tenantId: reg.tenantId } }, { token: t.keys.store })).data.reissueInstallCode;
    const second = (await reinstall(re.installCode)).data.redeemInstallCode;
    expect(second.reinstalled).toBe(true);
    expect(codeOf(await checkIn(first.applianceCredential, "working-box"))).toBe("UNAUTHENTICATED");

    const view = (await history(reg.tenantId)).data.tenant;
    const replaced = view.auditEvents.find((e: { action: string }) => e.action === "appliance.credential_replaced");
    const redeemed = view.auditEvents.find(
      (e: { action: string; details: { installCodeId?: string } }) => e.action === "install_code.redeemed" && e.details.installCodeId !== row.installCodeId,
    );
    expect(replaced).toBeDefined();
    expect(replaced.details).toMatchObject({
      applianceId: "working-box",
      reason: "reinstall",
      licenseJti: jtiOf(second.firstJwt),
      displaced: {
        installCodeId: row.installCodeId,
        edition: "PRO",
        licenseJti: jtiOf(checked.token),
        licenseExpiresAt: row.licenseExpiresAt!.toISOString(),
        lastCheckInAt: row.lastCheckInAt!.toISOString(),
      },
    });
    // one transaction: the redemption's audit carries the same request and time
    expect(replaced.requestId).toBe(redeemed.requestId);
    expect(replaced.createdAt).toBe(redeemed.createdAt);
    expect(view.entitlementHistory.map((e: { action: string }) => e.action)).toContain("appliance.credential_replaced");
  });

  it("is not recorded for a first install, for a credential already revoked, or for a replay of the same redemption", async () => {
    const reg = await registered();
    const key = "replay-not-displacement";
    await redeemKeyed({ installCode: reg.installCode, applianceId: "fresh-box", redemptionKey: key });
    await redeemKeyed({ installCode: reg.installCode, applianceId: "fresh-box", redemptionKey: key });
    expect(await actions(reg.tenantId)).not.toContain("appliance.credential_replaced");

    await t.gql(
      `mutation($id: String!, $tenant: ID) { revokeApplianceCredential(applianceId: $id, tenantId: $tenant) { applianceId } }`,
      { id: "fresh-box", tenant: reg.tenantId },
      { token: t.keys.admin },
    );
    const re = (await t.gql(REISSUE, { input: { tenantId: reg.tenantId } }, { token: t.keys.store })).data.reissueInstallCode;
    expect((await redeemKeyed({ installCode: re.installCode, applianceId: "fresh-box" })).errors).toBeUndefined();
    expect(await actions(reg.tenantId)).not.toContain("appliance.credential_replaced");
  });
});
