// Issue 10: the tenant binding and license enforcement hold under races (two API processes on one
// database, many parallel calls, repeated), behind a proxy, and on reinstalls.
import { codeOf, gqlRequest, REDEEM, REGISTER, REISSUE, CHECK_IN, type GqlResult } from "./helpers/control-plane.js";
import { generateApplianceKey, signActivationRequest } from "../contract/src/index.js";
import { startReplicas, type Replicas } from "./helpers/api-processes.js";

let r: Replicas;
beforeAll(async () => {
  r = await startReplicas(2, { REDEEM_MAX_FAILURES: "10" });
}, 120_000);
afterAll(() => r?.stop(), 60_000);

const api = (i: number) => r.apis[i % r.apis.length]!.url;
let seq = 0;
const unique = () => `${Date.now().toString(36)}-${(seq++).toString(36)}`;
/** a distinct client address per scenario (the replicas trust the loopback proxy hop of the test) */
const address = () => `198.51.100.${(seq++ % 250) + 1}`;

async function register(edition = "PRO", on = 0) {
  const res = await gqlRequest<any>(
    api(on),
    REGISTER,
    { input: { companyName: `Integrity ${unique()}`, contactEmail: `i-${unique()}@x.test`, edition } },
    { token: r.keys.store },
  );
  expect(res.errors).toBeUndefined();
  return res.data.registerTenant as { tenantId: string; installCode: string };
}

async function redeem(installCode: string, applianceId: string, on = 0, clientAddress = address()) {
  return gqlRequest<any>(api(on), REDEEM, { input: { installCode, applianceId } }, { clientAddress });
}

async function installed(applianceId = `box-${unique()}`, on = 0) {
  const reg = await register("PRO", on);
  const red = await redeem(reg.installCode, applianceId, on);
  expect(red.errors).toBeUndefined();
  return { ...reg, applianceId, credential: red.data.redeemInstallCode.applianceCredential as string };
}

const checkIn = (credential: string, applianceId: string, on = 0) => gqlRequest<any>(api(on), CHECK_IN, { input: { applianceId } }, { token: credential });

describe("1. an appliance id is not a credential", () => {
  it("parallel redemptions of different tenants' codes under one appliance id (cloned VMs) each bind their own tenant's row", async () => {
    const clone = `cloned-vm-${unique()}`;
    const regs = await Promise.all(Array.from({ length: 6 }, (_, i) => register("PRO", i)));
    const results = await Promise.all(regs.map((reg, i) => redeem(reg.installCode, clone, i)));
    for (const [i, res] of results.entries()) {
      expect(res.errors).toBeUndefined();
      expect(res.data.redeemInstallCode.tenantId).toBe(regs[i]!.tenantId);
    }
    const rows = await r.query<{ tenant_id: string }>("SELECT tenant_id FROM appliance WHERE appliance_id = $1", [clone]);
    expect(rows.map((x) => x.tenant_id).sort()).toEqual(regs.map((x) => x.tenantId).sort());
    // every tenant's appliance still checks in, under its own tenant
    const checks = await Promise.all(results.map((res, i) => checkIn(res.data.redeemInstallCode.applianceCredential, clone, i)));
    for (const [i, c] of checks.entries()) expect(c.data?.checkIn.tenantId).toBe(regs[i]!.tenantId);
  });

  it("another tenant redeeming an existing appliance id leaves the first tenant's appliance untouched", async () => {
    const first = await installed();
    const before = await r.query("SELECT id, tenant_id, credential_digest, license_jti FROM appliance WHERE appliance_id = $1", [first.applianceId]);
    const other = await register("PRO", 1);
    expect((await redeem(other.installCode, first.applianceId, 1)).errors).toBeUndefined();
    const after = await r.query("SELECT id, tenant_id, credential_digest, license_jti FROM appliance WHERE appliance_id = $1 AND tenant_id = $2", [
      first.applianceId,
      first.tenantId,
    ]);
    expect(after).toEqual(before);
    expect((await checkIn(first.credential, first.applianceId)).data?.checkIn.tenantId).toBe(first.tenantId);
  });

  it("a reinstall of the same tenant's appliance reuses its row with a fresh credential", async () => {
    const a = await installed();
    const [row] = await r.query<{ id: string }>("SELECT id FROM appliance WHERE appliance_id = $1 AND tenant_id = $2", [a.applianceId, a.tenantId]);
    const re = await gqlRequest<any>(api(1), REISSUE, { input: { tenantId: a.tenantId } }, { token: r.keys.store });
    const red = await gqlRequest<any>(
      api(0),
      `mutation($input: RedeemInstallCodeInput!) { redeemInstallCode(input: $input) { tenantId applianceCredential reinstalled } }`,
      {
        input: { installCode: re.data.reissueInstallCode.installCode, applianceId: a.applianceId },
      },
      { clientAddress: address() },
    );
    expect(red.data.redeemInstallCode).toMatchObject({ tenantId: a.tenantId, reinstalled: true });
    const rows = await r.query<{ id: string }>("SELECT id FROM appliance WHERE appliance_id = $1 AND tenant_id = $2", [a.applianceId, a.tenantId]);
    expect(rows).toEqual([row]);
    expect(codeOf(await checkIn(a.credential, a.applianceId))).toBe("UNAUTHENTICATED");
    expect((await checkIn(red.data.redeemInstallCode.applianceCredential, a.applianceId, 1)).data?.checkIn.tenantId).toBe(a.tenantId);
  });
});

describe("3. an acknowledged suspension is never undone by a racing check-in", () => {
  it("suspend racing check-ins on two replicas, 12 rounds: always SUSPENDED, and nothing is licensed after the acknowledgement", async () => {
    for (let round = 0; round < 12; round++) {
      const a = await installed(undefined, round);
      const admin = r.keys.admin;
      let acknowledgedAt = 0;
      const suspend = gqlRequest<any>(
        api(round),
        `mutation($id: ID!) { suspendTenant(tenantId: $id, reason: "race") { status } }`,
        { id: a.tenantId },
        { token: admin },
      ).then((res) => {
        acknowledgedAt = performance.now();
        return res;
      });
      const checks = Array.from({ length: 8 }, (_, i) => checkIn(a.credential, a.applianceId, round + i).then((res) => ({ res, at: performance.now() })));
      const [s, ...c] = await Promise.all([suspend, ...checks]);
      expect(s.data.suspendTenant.status).toBe("SUSPENDED");
      const [tenant] = await r.query<{ status: string }>("SELECT status FROM tenant_registry WHERE tenant_id = $1", [a.tenantId]);
      expect(tenant!.status).toBe("SUSPENDED");
      for (const { res } of c) expect(res.errors === undefined || codeOf(res) === "TENANT_SUSPENDED").toBe(true);
      // every license handed out was recorded with its audit event, and nothing else was
      const licensed = c
        .filter(({ res }) => !res.errors)
        .map(({ res }) => JSON.parse(Buffer.from(res.data.checkIn.token.split(".")[1], "base64url").toString()).jti as string);
      const recorded = await r.query<{ jti: string }>(
        "SELECT details->>'licenseJti' AS jti FROM audit_event WHERE tenant_id = $1 AND action = 'appliance.checked_in'",
        [a.tenantId],
      );
      expect(recorded.map((e) => e.jti).sort()).toEqual(licensed.sort());
      const [appl] = await r.query<{ license_jti: string }>("SELECT license_jti FROM appliance WHERE tenant_id = $1", [a.tenantId]);
      if (licensed.length) expect(licensed).toContain(appl!.license_jti);
      // after the acknowledgement, no check-in succeeds
      expect(acknowledgedAt).toBeGreaterThan(0);
      expect(codeOf(await checkIn(a.credential, a.applianceId, round + 1))).toBe("TENANT_SUSPENDED");
    }
  }, 180_000);

  it("a reactivation racing check-ins ends ACTIVE with the check-ins recorded", async () => {
    const a = await installed();
    await gqlRequest<any>(api(0), `mutation($id: ID!) { suspendTenant(tenantId: $id) { status } }`, { id: a.tenantId }, { token: r.keys.admin });
    const [re] = await Promise.all([
      gqlRequest<any>(api(1), `mutation($id: ID!) { reactivateTenant(tenantId: $id) { status } }`, { id: a.tenantId }, { token: r.keys.admin }),
      ...Array.from({ length: 6 }, (_, i) => checkIn(a.credential, a.applianceId, i)),
    ]);
    expect(re.data.reactivateTenant.status).toBe("INSTALLED");
    expect((await checkIn(a.credential, a.applianceId)).data?.checkIn.tenantId).toBe(a.tenantId);
    const [tenant] = await r.query<{ status: string }>("SELECT status FROM tenant_registry WHERE tenant_id = $1", [a.tenantId]);
    expect(tenant!.status).toBe("ACTIVE");
  });
});

describe("4. concurrent re-issues leave exactly one live code", () => {
  it("8 parallel re-issues over two replicas, 5 rounds: one live code, and only it redeems", async () => {
    for (let round = 0; round < 5; round++) {
      const reg = await register("PRO", round);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          gqlRequest<any>(api(i), REISSUE, { input: { tenantId: reg.tenantId } }, { token: i % 2 ? r.keys.store : r.keys.admin }),
        ),
      );
      for (const res of results) expect(res.errors).toBeUndefined();
      const live = await r.query("SELECT id FROM install_code WHERE tenant_id = $1 AND consumed_at IS NULL AND revoked_at IS NULL", [reg.tenantId]);
      expect(live).toHaveLength(1);
      const codes = [reg.installCode, ...results.map((res) => res.data.reissueInstallCode.installCode as string)];
      const outcomes = await Promise.all(codes.map((c, i) => redeem(c, `reissue-${round}-${i}`, i)));
      expect(outcomes.filter((o) => !o.errors)).toHaveLength(1);
      expect(outcomes.filter((o) => codeOf(o) === "REVOKED_INSTALL_CODE")).toHaveLength(codes.length - 1);
    }
  }, 120_000);
});

describe("5. the failure limit holds under bursts", () => {
  it("60 parallel bad guesses from one address over two replicas are judged against the limit of 10, 3 rounds", async () => {
    for (let round = 0; round < 3; round++) {
      const from = `203.0.113.${round + 10}`;
      const guesses = await Promise.all(Array.from({ length: 60 }, (_, i) => redeem("ABCD-EFGH-JKMN-PQRS-TVWX", `guess-${i}`, i, from)));
      const codes = guesses.map((g) => codeOf(g));
      expect(codes.filter((c) => c === "INVALID_INSTALL_CODE")).toHaveLength(10);
      expect(codes.filter((c) => c === "RATE_LIMITED")).toHaveLength(50);
      // another address is unaffected
      const reg = await register();
      expect((await redeem(reg.installCode, `other-${round}`, round, `203.0.113.${round + 100}`)).errors).toBeUndefined();
    }
  }, 120_000);

  it("a success does not count: parallel good redemptions from one address (fewer than the limit) all succeed and leave nothing counted", async () => {
    const from = "203.0.113.200";
    const regs = await Promise.all(Array.from({ length: 9 }, (_, i) => register("ESSENTIALS", i)));
    const res = await Promise.all(regs.map((reg, i) => redeem(reg.installCode, `good-${i}`, i, from)));
    for (const x of res) expect(x.errors).toBeUndefined();
    const [row] = await r.query<{ count: number }>("SELECT count FROM rate_limit_window WHERE key = $1", [`redeem:${from}`]);
    expect(row!.count).toBe(0);
  });
});

describe("6. a lost answer is replayed to its own appliance only (redemption keys)", () => {
  const KEYED = `mutation($input: RedeemInstallCodeInput!) { redeemInstallCode(input: $input) { tenantId edition applianceCredential replayed } }`;
  const keyed = (installCode: string, applianceId: string, redemptionKey: string, on: number) =>
    gqlRequest<any>(api(on), KEYED, { input: { installCode, applianceId, redemptionKey } }, { clientAddress: address() });
  const live = async (credentials: string[], applianceId: string) =>
    (await Promise.all(credentials.map((c, i) => checkIn(c, applianceId, i)))).map((res) => (res.errors ? codeOf(res) : "ok"));

  it("parallel first redemptions (own id and key each) over two replicas, 5 rounds: one winner; then only the winner's retry replays", async () => {
    for (let round = 0; round < 5; round++) {
      const reg = await register("PRO", round);
      const callers = Array.from({ length: 16 }, (_, i) => ({ id: `kr-${round}-${i}`, key: `key-${unique()}` }));
      const firsts = await Promise.all(callers.map((c, i) => keyed(reg.installCode, c.id, c.key, i)));
      const won = firsts.flatMap((res, i) => (res.errors ? [] : [i]));
      expect(won).toHaveLength(1);
      expect(firsts.filter((res) => codeOf(res) === "CONSUMED_INSTALL_CODE")).toHaveLength(15);
      // every caller retries as if its answer was lost: the winner replays, the others stay refused
      const retries = await Promise.all(callers.map((c, i) => keyed(reg.installCode, c.id, c.key, i + 1)));
      const winner = won[0]!;
      expect(retries[winner]!.data.redeemInstallCode).toMatchObject({ tenantId: reg.tenantId, edition: "PRO", replayed: true });
      expect(retries.filter((res, i) => i !== winner && codeOf(res) === "CONSUMED_INSTALL_CODE")).toHaveLength(15);
      const id = callers[winner]!.id;
      expect(await live([firsts[winner]!.data.redeemInstallCode.applianceCredential, retries[winner]!.data.redeemInstallCode.applianceCredential], id)).toEqual(
        ["UNAUTHENTICATED", "ok"],
      );
      const rows = await r.query<{ n: number }>("SELECT count(*)::int AS n FROM appliance WHERE tenant_id = $1", [reg.tenantId]);
      expect(rows[0]!.n).toBe(1);
    }
  }, 120_000);

  it("parallel replays of one redemption over two replicas, 5 rounds: same tenant and edition, exactly one live credential, each replay audited", async () => {
    for (let round = 0; round < 5; round++) {
      const reg = await register("PRO", round);
      const id = `replayer-${round}`;
      const key = `key-${unique()}`;
      const first = await keyed(reg.installCode, id, key, round);
      expect(first.errors).toBeUndefined();
      const replays = await Promise.all(Array.from({ length: 12 }, (_, i) => keyed(reg.installCode, id, key, i)));
      // an attempt that began before a replay that got the lock first is one the appliance no longer waits for
      for (const res of replays) expect(res.errors === undefined || codeOf(res) === "CONSUMED_INSTALL_CODE").toBe(true);
      const ok = replays.filter((res) => !res.errors).map((res) => res.data.redeemInstallCode);
      expect(ok.length).toBeGreaterThan(0);
      for (const p of ok) expect(p).toMatchObject({ tenantId: reg.tenantId, edition: "PRO", replayed: true });
      const states = await live([first.data.redeemInstallCode.applianceCredential, ...ok.map((p) => p.applianceCredential as string)], id);
      expect(states.filter((x) => x === "ok")).toHaveLength(1);
      expect(states[0]).toBe("UNAUTHENTICATED");
      const audits = await r.query<{ action: string; n: number }>(
        "SELECT action, count(*)::int AS n FROM audit_event WHERE tenant_id = $1 AND action LIKE 'install_code.%' GROUP BY action ORDER BY action",
        [reg.tenantId],
      );
      expect(audits).toEqual([
        { action: "install_code.redeemed", n: 1 },
        { action: "install_code.redemption_replayed", n: ok.length },
      ]);
      const [seats] = await r.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM appliance WHERE tenant_id = $1 AND credential_digest IS NOT NULL AND credential_revoked_at IS NULL",
        [reg.tenantId],
      );
      expect(seats!.n).toBe(1);
    }
  }, 120_000);

  it("one appliance's attempts racing each other on a fresh code (a timed-out attempt and its retry), 5 rounds: one redemption, one live credential", async () => {
    for (let round = 0; round < 5; round++) {
      const reg = await register("PRO", round);
      const id = `racer-self-${round}`;
      const key = `key-${unique()}`;
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => keyed(reg.installCode, id, key, i)));
      for (const res of answers) expect(res.errors === undefined || codeOf(res) === "CONSUMED_INSTALL_CODE").toBe(true);
      const ok = answers.filter((res) => !res.errors).map((res) => res.data.redeemInstallCode);
      expect(ok.filter((p) => !p.replayed)).toHaveLength(1);
      expect(
        (
          await live(
            ok.map((p) => p.applianceCredential as string),
            id,
          )
        ).filter((x) => x === "ok"),
      ).toHaveLength(1);
      const [redeemed] = await r.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event WHERE tenant_id = $1 AND action = 'install_code.redeemed'", [
        reg.tenantId,
      ]);
      expect(redeemed!.n).toBe(1);
    }
  }, 120_000);
});

describe("contract answers under the races", () => {
  it("every answer in this file's bursts was data or a contract code (spot check of a mixed burst)", async () => {
    const reg = await register();
    const mixed: Promise<GqlResult<any>>[] = [];
    for (let i = 0; i < 30; i++) mixed.push(redeem(reg.installCode, `mixed-${i}`, i));
    const out = await Promise.all(mixed);
    expect(out.filter((o) => !o.errors)).toHaveLength(1);
    for (const o of out.filter((x) => x.errors)) expect(codeOf(o)).toBe("CONSUMED_INSTALL_CODE");
  });
});

describe("7. an offline activation consumes its code once across replicas", () => {
  const ACTIVATE = `mutation($input: ActivateOfflineInput!) { activateOffline(input: $input) { tenantId edition } }`;
  const activate = (request: string, on: number) =>
    gqlRequest<any>(api(on), ACTIVATE, { input: { request } }, { token: r.keys.support, clientAddress: address() });

  it("12 appliances racing on two replicas: one wins; one request file sent 8 times: answered once", async () => {
    const reg = await register();
    const requests = await Promise.all(
      Array.from({ length: 12 }, async (_, i) =>
        signActivationRequest({ privateKey: await generateApplianceKey(), applianceId: `air-${i}`, installCode: reg.installCode, tool: "alga-setup/1.0.0" }),
      ),
    );
    const out = await Promise.all(requests.map((q, i) => activate(q.file, i)));
    expect(out.filter((o) => !o.errors)).toHaveLength(1);
    for (const o of out.filter((x) => x.errors)) expect(codeOf(o)).toBe("CONSUMED_INSTALL_CODE");
    const rows = await r.query("SELECT activation_mode FROM appliance WHERE tenant_id = $1", [reg.tenantId]);
    expect(rows).toEqual([{ activation_mode: "OFFLINE" }]);

    const again = await register();
    const one = await signActivationRequest({
      privateKey: await generateApplianceKey(),
      applianceId: "air-twin",
      installCode: again.installCode,
      tool: "alga-setup/1.0.0",
    });
    const twins = await Promise.all(Array.from({ length: 8 }, (_, i) => activate(one.file, i)));
    expect(twins.filter((o) => !o.errors)).toHaveLength(1);
    for (const o of twins.filter((x) => x.errors)) expect(codeOf(o)).toBe("REPLAYED_OFFLINE_REQUEST");
    const audits = await r.query("SELECT count(*)::int AS n FROM audit_event WHERE tenant_id = $1 AND action = 'install_code.redeemed'", [again.tenantId]);
    expect(audits).toEqual([{ n: 1 }]);
  });
});
