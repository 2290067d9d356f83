// The appliance's chain of trust and its time, tried as an operator with the appliance database, an
// unlucky clock and two agents at once would: the real CLIs as processes against a real appliance
// database and the real API, whose clock the test moves (the service's time, which the vendor signs).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLicenseSigner } from "../api/src/license/issue-license.js";
import { signKeyHandover } from "../api/src/license/key-handover.js";
import { generateSigningKey, loadSigningKeys, type SigningKeySet } from "../api/src/license/signing-keys.js";
import { generateApplianceKey } from "../contract/src/offline/keys.js";
import { createTenant } from "../setup-tui/src/bootstrap/create-tenant.js";
import { readSeedDir } from "../setup-tui/src/seeds.js";
import {
  applianceDb,
  checkInCli,
  claimsOf,
  createTenantCli,
  licenseCli,
  licenseState,
  PASSWORD,
  query,
  register,
  resealed,
  secondAfter,
  setupCli,
} from "./helpers/appliance.js";
import { REISSUE, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { eventually } from "./helpers/eventually.js";
import { holdingProxy } from "./helpers/holding-proxy.js";
import { startRecordingProxy, type HeldAnswer } from "./helpers/recording-proxy.js";

const DAY = 86_400;
const YEAR = 365 * DAY;

/** the service's clock: moved by the tests (an appliance clock behind is the service's ahead) */
let serviceOffsetMs = 0;
let t: TestPlane;
let dir: string;
beforeAll(async () => {
  t = await startTestPlane({}, { clock: () => new Date(Date.now() + serviceOffsetMs) });
});
afterAll(() => t.stop());
beforeEach(() => {
  serviceOffsetMs = 0;
  dir = mkdtempSync(path.join(os.tmpdir(), "alga-trust-"));
  writeFileSync(path.join(dir, "password"), `${PASSWORD}\n`, { mode: 0o600 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const seedsDir = () => path.join(dir, "seeds");
const setup = (args: string[], env: Record<string, string> = {}) => setupCli(args, { ALGA_STATE_DIR: path.join(dir, "state"), ...env });

/** A paid appliance installed (alga-setup) and bootstrapped from its seeds. */
async function installed(edition = "PRO") {
  const reg = await register(t, edition);
  const applianceId = `trust-${Math.random().toString(36).slice(2, 8)}`;
  const res = await setup([
    "--install-code",
    reg.installCode,
    "--admin-password-file",
    path.join(dir, "password"),
    "--license-url",
    t.url,
    "--output",
    seedsDir(),
    "--appliance-id",
    applianceId,
  ]);
  expect([res.code, res.stdout]).toEqual([0, expect.any(String)]);
  const db = await applianceDb();
  expect(await createTenant(db, readSeedDir(seedsDir()))).toMatchObject({ status: "created" });
  return { reg, db, applianceId };
}

const status = async (db: string, env: Record<string, string> = {}) => {
  const r = await licenseCli(["status", "--json"], { APPLIANCE_DATABASE_URL: db, ...env });
  return { code: r.code, out: JSON.parse(r.stdout) };
};
const checkIn = async (db: string, env: Record<string, string> = {}) => {
  const r = await checkInCli(["--no-spread", "--json", "--attempts", "1"], { APPLIANCE_DATABASE_URL: db, ...env });
  return { code: r.code, report: JSON.parse(r.stdout), stderr: r.stderr };
};
/** the vendor's public keys as an image would ship them */
const vendorRoot = async () => ({ ALGA_VENDOR_KEYS: JSON.stringify(await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) });

/** Someone's own signing key, and a key document and licenses signed with it under the vendor's name. */
async function ownKey() {
  const keys: SigningKeySet = await loadSigningKeys({ dataDir: "/nonexistent", configured: JSON.stringify([(await generateSigningKey()).jwk]) });
  return {
    document: () => signKeyHandover(keys, t.url),
    license: (tenantId: string, applianceId: string, edition: "PRO" | "PREMIUM" = "PREMIUM") =>
      createLicenseSigner(keys, { issuer: t.url })({
        tenantId,
        applianceId,
        edition,
        jti: crypto.randomUUID(),
        issuedAt: new Date(),
        expiresAt: new Date(Date.now() + 365 * DAY * 1000),
      }),
  };
}

describe("an operator with the appliance database cannot license the appliance", () => {
  it("a key document and a PREMIUM license signed by the operator's own key are refused: with and without the root, also with a garbage signature", async () => {
    const { reg, db, applianceId } = await installed();
    const own = await ownKey();
    const genuine = await licenseState(db);
    await query(db, "UPDATE license_state SET vendor_keys = $1, license_token = $2", [
      JSON.stringify(await own.document()),
      await own.license(reg.tenantId, applianceId),
    ]);
    for (const env of [{}, await vendorRoot()]) {
      const { code, out } = await status(db, env);
      expect([code, out.edition, out.licensed, out.verification.result, out.verification.reason]).toEqual([
        4,
        "ESSENTIALS",
        false,
        "refused",
        "KEYS_NOT_TRUSTED",
      ]);
      expect(out.verification.message).toMatch(/the pinned vendor keys were refused/);
      expect(out.trust).toMatchObject({ verified: false });
      const text = await licenseCli(["status"], { APPLIANCE_DATABASE_URL: db, ...env });
      expect(text.code).toBe(4);
      expect(text.stdout).toMatch(/edition: +ESSENTIALS/);
      expect(text.stdout).toMatch(/key trust: +REFUSED — /);
    }
    // a document carrying the operator's key under the vendor's header with a garbage signature, as the whole chain
    const forged = {
      payload: (await own.document()).payload,
      signatures: [{ protected: genuine.vendor_keys.signatures[0].protected, signature: "Z2FyYmFnZQ" }],
    };
    await query(db, "UPDATE license_state SET key_chain = $1, vendor_keys = $2", [JSON.stringify([forged]), JSON.stringify(forged)]);
    for (const env of [{}, await vendorRoot()]) {
      const { code, out } = await status(db, env);
      expect([code, out.edition, out.verification.reason]).toEqual([4, "ESSENTIALS", "KEYS_NOT_TRUSTED"]);
    }
    // the whole stored chain rewritten to the operator's key: refused from the root; without one, status says the appliance is unanchored
    const doc = await own.document();
    await query(db, "UPDATE license_state SET key_chain = $1, vendor_keys = $2", [JSON.stringify([doc]), JSON.stringify(doc)]);
    const rooted = await status(db, await vendorRoot());
    expect([rooted.code, rooted.out.edition, rooted.out.verification.reason]).toEqual([4, "ESSENTIALS", "KEYS_NOT_TRUSTED"]);
    expect(rooted.out.verification.message).toMatch(/do not chain to the vendor keys shipped with this appliance/);
    expect((await status(db)).out.trust).toMatchObject({ anchored: false, message: expect.stringMatching(/^UNANCHORED: no root is configured/) });
  });

  it("the check-in and connect refuse tampered pins too (before a code is spent); with the root, the vendor's next document repairs them", async () => {
    const { reg, db, applianceId } = await installed();
    const own = await ownKey();
    const forgedToken = await own.license(reg.tenantId, applianceId);
    await query(db, "UPDATE license_state SET vendor_keys = $1, license_token = $2", [JSON.stringify(await own.document()), forgedToken]);

    const agent = await checkIn(db);
    expect([agent.code, agent.report.status, agent.report.keys]).toEqual([6, "not-verified", "not-updated"]);
    expect(agent.report.message).toMatch(/^the refreshed license was not stored: the pinned vendor keys were refused/);
    expect((await licenseState(db)).license_token).toBe(forgedToken);

    const code = (await t.gql(REISSUE, { input: { tenantId: reg.tenantId } }, { token: t.keys.store })).data.reissueInstallCode.installCode;
    const connect = await setup(["connect", "--install-code", code, "--output", seedsDir()], { APPLIANCE_DATABASE_URL: db });
    expect(connect.code).toBe(9);
    expect(JSON.parse(connect.stdout).error).toMatchObject({
      code: "KEYS_NOT_TRUSTED",
      detail: expect.stringContaining("the vendor keys pinned on this appliance were refused"),
    });
    expect(await t.plane.services.prisma.installCode.count({ where: { tenantId: reg.tenantId, consumedAt: { not: null } } })).toBe(1); // the re-issued one unused

    // the image ships the vendor's keys: its document, signed by them, replaces the tampered pins
    const root = await vendorRoot();
    const repaired = await checkIn(db, root);
    expect([repaired.code, repaired.report.status]).toEqual([0, "refreshed"]);
    const after = await status(db, root);
    expect([after.code, after.out.edition, after.out.trust.anchored, after.out.trust.verified]).toEqual([0, "PRO", true, true]);
  });

  it("re-running create-tenant with crafted seeds (newer REDEEMED_AT, a self-signed key document, a forged PREMIUM license) does not re-pin without a root", async () => {
    const { reg, db, applianceId } = await installed();
    const before = await licenseState(db);
    const own = await ownKey();
    const crafted = resealed({
      ...readSeedDir(seedsDir()),
      REDEEMED_AT: new Date(Date.now() + 3600_000).toISOString(),
      LICENSE_VENDOR_KEYS: JSON.stringify(await own.document()),
      LICENSE_TOKEN: await own.license(reg.tenantId, applianceId),
    });
    const res = await createTenantCli([], { APPLIANCE_DATABASE_URL: db, ...crafted });
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      "create-tenant: LICENSE_VENDOR_KEYS was not accepted: the key hand-over document is not signed by a key this appliance already trusts: its keys were not accepted\n",
    );
    const after = await licenseState(db);
    expect(after).toMatchObject({
      vendor_keys: before.vendor_keys,
      key_chain: before.key_chain,
      license_token: before.license_token,
      redeemed_at: before.redeemed_at,
    });
    expect((await status(db)).out).toMatchObject({ edition: "PRO", licensed: true });
  });

  it("status says plainly whether the appliance is anchored to the vendor keys it ships with", async () => {
    const { db } = await installed();
    const plain = await licenseCli(["status"], { APPLIANCE_DATABASE_URL: db });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/key trust: +UNANCHORED: no root is configured \(ALGA_VENDOR_KEYS\), the pinned keys were trusted on first use/);
    expect((await status(db)).out.trust).toMatchObject({ anchored: false, verified: true, documents: 1 });
    const root = await vendorRoot();
    const anchored = await licenseCli(["status"], { APPLIANCE_DATABASE_URL: db, ...root });
    expect(anchored.stdout).toMatch(/key trust: +anchored: the pinned keys chain to the vendor keys shipped with this appliance/);
    expect((await status(db, root)).out.trust).toMatchObject({ anchored: true, verified: true });
  });
});

describe("a license bound to the appliance key (cnf.jkt)", () => {
  it("the agent stores no refreshed license bound to another key than this appliance's (the key swapped in its database)", async () => {
    const { db } = await installed();
    const before = await licenseState(db);
    expect(claimsOf(before.license_token).cnf).toEqual({ jkt: expect.any(String) });
    // another machine's key in this appliance's database: the service still binds to the key it redeemed with
    const other = await generateApplianceKey();
    await query(db, "UPDATE license_state SET appliance_key = $1", [JSON.stringify(other)]);
    const agent = await checkIn(db);
    expect([agent.code, agent.report.status]).toEqual([6, "not-verified"]);
    expect(agent.report.message).toMatch(/bound to another appliance's key/);
    expect((await licenseState(db)).license_token).toBe(before.license_token);
  });
});

describe("key documents dated in the future", () => {
  it("a vendor-signed document dated 100 years ahead is refused by the agent and does not block the genuine one after it", async () => {
    const { db } = await installed();
    serviceOffsetMs = 100 * YEAR * 1000; // a vendor whose clock is wrong signs the document (and licenses) far ahead
    const ahead = await checkIn(db);
    expect([ahead.report.keys, ahead.code, ahead.report.status]).toEqual(["not-updated", 6, "not-verified"]);
    expect(ahead.report.keysNote).toMatch(/the key hand-over document is dated 21\d\d-.*ahead of the license service's time as this appliance knows it/);
    expect(ahead.report.message).toMatch(/issued in the future .*further ahead of this appliance's clock than its lifetime/);
    expect(claimsOf((await licenseState(db)).license_token).iat * 1000).toBeLessThan(Date.now() + 60_000);
    serviceOffsetMs = 0;
    const genuine = await checkIn(db);
    expect([genuine.code, genuine.report.status, genuine.report.keys]).toEqual([0, "refreshed", "unchanged"]);
    const tip = JSON.parse(Buffer.from((await licenseState(db)).vendor_keys.payload, "base64url").toString());
    expect(tip.iat * 1000).toBeLessThan(Date.now() + 60_000);
  });

  it("create-tenant refuses a seed whose key document is dated in the future", async () => {
    const { applianceId } = await installed();
    const seeds = readSeedDir(seedsDir());
    const future = await signKeyHandover(t.plane.keys, t.url, Date.now() + 100 * YEAR * 1000);
    const res = await createTenantCli([], {
      APPLIANCE_DATABASE_URL: await applianceDb(),
      ...resealed({ ...seeds, LICENSE_VENDOR_KEYS: JSON.stringify(future) }),
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^create-tenant: LICENSE_VENDOR_KEYS was not accepted: the key hand-over document is dated 21\d\d-/);
    expect(applianceId).toBeTruthy();
  });
});

describe("time the appliance can trust", () => {
  it("a clock 3 days behind keeps a valid license: status stays PRO, the agent stores the fresh license, warns, and status says it", async () => {
    const { db } = await installed();
    serviceOffsetMs = 3 * DAY * 1000; // the service is 3 days ahead of this appliance's clock
    const st = await status(db);
    expect([st.code, st.out.edition, st.out.verification.result]).toEqual([0, "PRO", "valid"]);
    const before = await licenseState(db);
    const agent = await checkIn(db);
    expect([agent.code, agent.report.status]).toEqual([0, "refreshed"]);
    expect(agent.report.clockSkewSeconds).toBeGreaterThan(3 * DAY - 120);
    expect(agent.report.message).toMatch(/this appliance's clock is 3d 0h behind the license service's: licenses are judged by the service's time/);
    expect(agent.stderr).toMatch(/check-in: this appliance's clock is 3d 0h behind/);
    const after = await licenseState(db);
    expect(after.license_token).not.toBe(before.license_token);
    expect(after.clock_skew_seconds).toBeGreaterThan(3 * DAY - 120);
    const later = await status(db);
    expect([later.code, later.out.edition, later.out.verification.result]).toEqual([0, "PRO", "valid"]);
    expect(later.out.clock.behindSeconds).toBeGreaterThan(3 * DAY - 120);
    expect(later.out.clock.message).toMatch(/^this appliance's clock is at least 3d 0h behind the newest server-signed time it has seen/);
    expect((await licenseCli(["status"], { APPLIANCE_DATABASE_URL: db })).stdout).toMatch(/clock: +this appliance's clock is at least 3d 0h behind/);
  });

  it("a clock 3 days behind at install: alga-setup, the bootstrap and status accept the license the service just issued", async () => {
    serviceOffsetMs = 3 * DAY * 1000;
    const reg = await register(t, "PRO");
    const res = await setup([
      "--install-code",
      reg.installCode,
      "--admin-password-file",
      path.join(dir, "password"),
      "--license-url",
      t.url,
      "--output",
      seedsDir(),
      "--appliance-id",
      "behind-1",
    ]);
    expect([res.code, JSON.parse(res.stdout).licensed]).toEqual([0, true]);
    const db = await applianceDb();
    const boot = await createTenantCli(["--seed-dir", seedsDir()], { APPLIANCE_DATABASE_URL: db });
    expect([boot.code, boot.stderr]).toEqual([0, ""]);
    const st = await status(db);
    expect([st.code, st.out.edition, st.out.clock.behindSeconds > 3 * DAY - 120]).toEqual([0, "PRO", true]);
  });

  it("a lead larger than the license's lifetime is no clock skew: the license is not stored", async () => {
    const { db } = await installed();
    serviceOffsetMs = 40 * DAY * 1000;
    const agent = await checkIn(db);
    expect([agent.code, agent.report.status]).toEqual([6, "not-verified"]);
    expect(agent.report.message).toMatch(/further ahead of this appliance's clock than its lifetime/);
  });

  it("a clock set back revives no expired license, also when the stored time mark is lowered: the signed documents kept say the time", async () => {
    const { reg, db } = await installed();
    await t.plane.services.prisma.entitlement.updateMany({ where: { tenantId: reg.tenantId }, data: { status: "CANCELLED", cancelledAt: new Date() } });
    // 40 days on (the appliance's clock right, the license expired 10 days ago): the check-in is answered
    // ENTITLEMENT_LAPSED, and the service's key document (signed, dated today) is kept
    serviceOffsetMs = 40 * DAY * 1000;
    const onTime = { ALGA_CLOCK_OFFSET_SECONDS: String(40 * DAY) };
    const lapsed = await checkIn(db, onTime);
    expect([lapsed.code, lapsed.report.status]).toEqual([5, "lapsed"]);
    expect((await status(db, onTime)).code).toBe(4);
    // the operator sets the clock back into the license's lifetime
    const back = await status(db);
    expect([back.code, back.out.edition, back.out.verification.reason]).toEqual([4, "ESSENTIALS", "EXPIRED"]);
    expect(back.out.clock.behindSeconds).toBeGreaterThan(39 * DAY);
    // and lowers the stored mark: the kept key document still carries the service's time
    await query(db, "UPDATE license_state SET server_time_floor = NULL, clock_skew_seconds = NULL");
    const edited = await status(db);
    expect([edited.code, edited.out.verification.reason]).toEqual([4, "EXPIRED"]);
    // the agent with the clock set back does not see a valid license either
    serviceOffsetMs = 0;
    const stillLapsed = await checkIn(db);
    expect(stillLapsed.report.message).toMatch(/no longer \(the current license is not valid/);
  });
});

describe("two check-in agents at once", () => {
  it("an older answer arriving last is not stored over a newer license (PRO held back, PREMIUM issued later and stored first)", async () => {
    const { reg, db } = await installed();
    const proxy = await holdingProxy(t.url);
    try {
      const direct = (await licenseState(db)).check_in_url;
      await query(db, "UPDATE license_state SET check_in_url = $1", [`${proxy.url}/graphql`]);
      const first = checkIn(db); // its PRO license is issued now, its answer held back
      await proxy.answered;
      await query(db, "UPDATE license_state SET check_in_url = $1", [direct]);
      // meanwhile the subscription is upgraded and a second agent checks in a minute later
      await t.plane.services.prisma.entitlement.updateMany({ where: { tenantId: reg.tenantId }, data: { edition: "PREMIUM" } });
      serviceOffsetMs = 60_000;
      const second = await checkIn(db);
      expect([second.code, second.report.status, second.report.edition]).toEqual([0, "refreshed", "PREMIUM"]);
      proxy.release();
      const late = await first;
      expect([late.code, late.report.status]).toEqual([0, "superseded"]);
      expect(late.report.message).toMatch(/^a newer license \(PREMIUM, issued .*\) is stored .*this answer .* was not stored over it/);
      expect(claimsOf((await licenseState(db)).license_token).edition).toBe("PREMIUM");
      expect((await status(db)).out.edition).toBe("PREMIUM");
    } finally {
      await proxy.stop();
    }
  });

  it("agent processes at once, their answers delivered newest first (the worst order for a last-writer-wins store), then all at once, repeated: the newest license stays", async () => {
    const { db } = await installed();
    const proxy = await startRecordingProxy(t.url);
    const tokenOf = (a: HeldAnswer) => JSON.parse(a.body).data.checkIn.token as string;
    const newestFirst = (x: HeldAnswer, y: HeldAnswer) => {
      const [a, b] = [claimsOf(tokenOf(x)), claimsOf(tokenOf(y))];
      return a.iat !== b.iat ? b.iat - a.iat : b.jti < a.jti ? -1 : 1;
    };
    try {
      await query(db, "UPDATE license_state SET check_in_url = $1", [`${proxy.url}/graphql`]);
      proxy.holding = true;
      for (const delivery of ["newest first", "at once", "newest first", "at once"]) {
        await secondAfter((await licenseState(db)).license_token); // this round's licenses are newer than the stored one
        let finished = 0;
        const agents: Promise<Awaited<ReturnType<typeof checkIn>>>[] = [];
        const start = () => agents.push(checkIn(db).then((r) => (finished++, r)));
        if (delivery === "at once") [1, 2, 3].forEach(start);
        else {
          // one agent a second: their licenses are of three different seconds (a tie is equally new)
          for (const n of [1, 2, 3]) {
            start();
            const held = await eventually(
              async () => proxy.held,
              (h) => h.length === n,
              30_000,
            );
            if (n < 3) await secondAfter(tokenOf(held[n - 1]!));
          }
        }
        const ordered = (
          await eventually(
            async () => proxy.held,
            (h) => h.length === 3,
            30_000,
          )
        )
          .splice(0)
          .sort(newestFirst);
        if (delivery === "at once") for (const answer of ordered) answer.release();
        else {
          for (const [i, answer] of ordered.entries()) {
            answer.release();
            expect(
              await eventually(
                async () => finished,
                (n) => n > i,
                15_000,
              ),
            ).toBe(i + 1); // that agent is done before the next hears back
          }
        }
        const reports = await Promise.all(agents);
        expect([delivery, reports.map((r) => r.code)]).toEqual([delivery, [0, 0, 0]]);
        // newest first: only the first stores; at once: whoever comes later than a newer one does not
        const statuses = reports.map((r) => r.report.status).sort();
        if (delivery === "newest first") expect(statuses).toEqual(["refreshed", "superseded", "superseded"]);
        else for (const st of statuses) expect(["refreshed", "superseded"]).toContain(st);
        const stored = (await licenseState(db)).license_token;
        if (delivery === "newest first") expect([delivery, stored]).toEqual([delivery, tokenOf(ordered[0]!)]);
        // at once: licenses of one second are equally new; none older than the newest is left stored
        else expect([delivery, claimsOf(stored).iat]).toEqual([delivery, claimsOf(tokenOf(ordered[0]!)).iat]);
      }
    } finally {
      await proxy.stop();
    }
  }, 180_000);
});

describe("seeds that cannot be half-read", () => {
  const licenseSeedFile = () => path.join(seedsDir(), "appliance-license-seed.yaml");
  async function written() {
    const reg = await register(t, "PRO");
    const res = await setup([
      "--install-code",
      reg.installCode,
      "--admin-password-file",
      path.join(dir, "password"),
      "--license-url",
      t.url,
      "--output",
      seedsDir(),
      "--appliance-id",
      "seed-1",
    ]);
    expect(res.code).toBe(0);
    return readFileSync(licenseSeedFile(), "utf8");
  }
  const bootstrap = async () => createTenantCli(["--seed-dir", seedsDir()], { APPLIANCE_DATABASE_URL: await applianceDb() });

  it("alga-setup writes a digest first in each seed", async () => {
    const text = await written();
    expect(text).toMatch(/stringData:\n {2}LICENSE_SEED_DIGEST: sha256:[\w-]{43}\n/);
    expect(readFileSync(path.join(seedsDir(), "appliance-initial-tenant.yaml"), "utf8")).toMatch(
      /stringData:\n {2}INITIAL_TENANT_DIGEST: sha256:[\w-]{43}\n {2}INITIAL_ADMIN_PASSWORD: /,
    );
  });

  it("a license seed cut short in CHECK_IN_URL is refused (exit 2, one line naming the file)", async () => {
    const text = await written();
    writeFileSync(licenseSeedFile(), text.slice(0, text.lastIndexOf("/graphql") + 4));
    const res = await bootstrap();
    expect(res.code).toBe(2);
    expect(res.stderr).toBe(
      `create-tenant: the license seed (${licenseSeedFile()}) does not match its LICENSE_SEED_DIGEST: it was cut short or changed after alga-setup wrote it; write it again with alga-setup\n`,
    );
  });

  it("a license seed cut in half: exit 2 with one line naming the file, no stack", async () => {
    const text = await written();
    writeFileSync(licenseSeedFile(), text.slice(0, Math.floor(text.length / 2)));
    const res = await bootstrap();
    expect(res.code).toBe(2);
    expect(res.stderr.split("\n")).toEqual([
      expect.stringMatching(new RegExp(`^create-tenant: ${licenseSeedFile().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`)),
      "",
    ]);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it("CHECK_IN_URL must be an http(s) GraphQL endpoint, also in a seed without a digest (an older alga-setup)", async () => {
    await written();
    const { LICENSE_SEED_DIGEST: _digest, ...old } = readSeedDir(seedsDir());
    const db = await applianceDb();
    const cut = await createTenantCli([], { APPLIANCE_DATABASE_URL: db, ...old, CHECK_IN_URL: `${t.url}/grap` });
    expect([cut.code, cut.stderr]).toEqual([2, `create-tenant: CHECK_IN_URL "${t.url}/grap" is not a license service's GraphQL endpoint (…/graphql)\n`]);
    const notHttp = await createTenantCli([], { APPLIANCE_DATABASE_URL: db, ...old, CHECK_IN_URL: "ftp://elsewhere.test/graphql" });
    expect(notHttp.code).toBe(2);
    expect(notHttp.stderr).toMatch(/^create-tenant: CHECK_IN_URL .*ftp:\/\/elsewhere\.test\/graphql/);
    // the same seed as written is accepted
    expect((await createTenantCli([], { APPLIANCE_DATABASE_URL: db, ...old })).code).toBe(0);
  });
});
