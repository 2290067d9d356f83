// The whole loop as one test, for a PRO and an ESSENTIALS tenant, each step the way its user meets it:
// the store registers through the store client → the email arrives at the real SMTP peer with code and
// link → the ISO downloads from the s3rver peer through the presigned link (bytes and sha256 match) →
// the wizard redeems in a real terminal (tmux) → create-tenant creates the appliance tenant with the
// registry's id and seeds license_state → check-in refreshes (new jti, same aud) → the appliance is
// wiped → the old code is refused as used → support re-issues → the reinstall comes back under the
// same tenant id; then the same reinstall without wiping the appliance database.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ParsedMail } from "mailparser";
import { createStoreClient } from "../store-client/src/index.js";
import { applianceDb, checkInCli, claimsOf, createTenantCli, licenseCli, licenseState, query, secondAfter, Terminal } from "./helpers/appliance.js";
import { ISO_BUCKET, ISO_BYTES, ISO_KEY, startTestPlane, type TestPlane } from "./helpers/control-plane.js";

const POINTER_KEY = "releases/current.json";
const ISO_SHA256 = createHash("sha256").update(ISO_BYTES).digest("hex");
const ADMIN_PASSWORD = "Whole-Loop-Owner-2026";

let t: TestPlane;
let root: string;
beforeAll(async () => {
  t = await startTestPlane({ ISO_RELEASE_POINTER_KEY: POINTER_KEY });
  // the release pointer names the current ISO and its sha256 (which the email carries)
  await t.s3.putObject(ISO_BUCKET, POINTER_KEY, JSON.stringify({ key: ISO_KEY, version: "1.0.0", sha256: ISO_SHA256 }));
  root = mkdtempSync(path.join(os.tmpdir(), "alga-loop-"));
});
afterAll(async () => {
  Terminal.killAll();
  rmSync(root, { recursive: true, force: true });
  await t.stop();
});

interface Mail {
  code: string;
  link: string;
  sha256?: string;
}

function readMail(m: ParsedMail): Mail {
  const text = m.text ?? "";
  return {
    code: /Install code: +([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})/.exec(text)![1]!,
    link: /ISO download: +(\S+)/.exec(text)![1]!,
    sha256: /SHA-256 of the ISO: ([0-9a-f]{64})/.exec(text)?.[1],
  };
}

const to = (email: string) => (m: ParsedMail) => (Array.isArray(m.to) ? m.to : [m.to]).some((a) => a?.text.includes(email));

/** One appliance: its console state, seeds and database live under its own folder. */
class Appliance {
  readonly stateDir: string;
  readonly seeds: string;
  db = "";
  private runs = 0;
  constructor(readonly name: string) {
    this.stateDir = path.join(root, name, "state");
    this.seeds = path.join(root, name, "seeds");
  }
  async freshDisk() {
    rmSync(path.join(root, this.name), { recursive: true, force: true });
    mkdirSync(path.join(root, this.name), { recursive: true });
    this.db = await applianceDb();
  }
  /** the wizard in a real terminal, with the code from the email */
  async wizard(code: string, o: { withDatabase?: boolean } = {}) {
    const env: Record<string, string> = { ALGA_LICENSE_URL: t.url, ALGA_STATE_DIR: this.stateDir };
    if (o.withDatabase) env.APPLIANCE_DATABASE_URL = this.db;
    const term = new Terminal(`alga-loop-${this.name}-${++this.runs}`, `node setup-tui/dist/cli/setup.js --output ${this.seeds}`, env);
    await term.until("✓ reachable");
    term.keys("Enter");
    await term.until("Install code:");
    term.type(code.toLowerCase().replace(/-/g, ""));
    term.keys("Enter");
    return term;
  }
  async password(term: Terminal) {
    await term.until("Confirm password");
    term.type(`${ADMIN_PASSWORD}\r`);
    term.type(`${ADMIN_PASSWORD}\r`);
  }
  async bootstrap() {
    const r = await createTenantCli(["--seed-dir", this.seeds, "--json"], { APPLIANCE_DATABASE_URL: this.db });
    expect([r.code, r.stderr]).toEqual([0, ""]);
    return JSON.parse(r.stdout);
  }
  async checkIn() {
    // licenses of one second are ordered by jti: the refreshed one must be of a later second to replace the stored one
    const stored = (await licenseState(this.db))?.license_token;
    if (stored) await secondAfter(stored);
    const r = await checkInCli(["--no-spread", "--json"], { APPLIANCE_DATABASE_URL: this.db });
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  }
}

describe.each(["PRO", "ESSENTIALS"] as const)("the whole loop, %s", (edition) => {
  it("register → email → ISO → wizard → bootstrap → check-in → wipe → used code refused → re-issue → reinstall (wiped, then not wiped)", async () => {
    const email = `it-${edition.toLowerCase()}@loop.test`;
    const company = `Loop ${edition} Industries`;
    const store = createStoreClient({ baseUrl: t.url, apiKey: t.keys.store });
    const support = createStoreClient({ baseUrl: t.url, apiKey: t.keys.admin });
    const paid = edition !== "ESSENTIALS";

    // the store registers the customer
    const registered = await store.registerTenant({ companyName: company, contactEmail: email, edition });
    const tenantId = registered.tenantId;

    // the email: code, link, sha256
    const mail = readMail(await t.smtp.waitFor(to(email)));
    expect(mail.code).toBe(registered.installCode);
    expect(mail.sha256).toBe(ISO_SHA256);

    // the ISO from the S3 peer through the presigned link
    const link = new URL(mail.link);
    expect(link.host).toBe(`localhost:${t.s3.port}`);
    expect(link.pathname).toBe(`/${ISO_BUCKET}/${ISO_KEY}`);
    const iso = Buffer.from(await (await fetch(mail.link)).arrayBuffer());
    expect(iso.equals(ISO_BYTES)).toBe(true);
    expect(createHash("sha256").update(iso).digest("hex")).toBe(mail.sha256);

    // the appliance: the wizard in a real terminal
    const box = new Appliance(edition.toLowerCase());
    await box.freshDisk();
    const term = await box.wizard(mail.code);
    await box.password(term);
    const done = await term.until("The appliance is bound to your organisation.");
    expect(done).toContain(tenantId);
    expect(done).toMatch(paid ? /Edition: +PRO — licensed until/ : /Edition: +ESSENTIALS \(free: no license needed\)/);
    expect(done).toContain("with the password you just set");
    term.keys("Enter");
    await term.until("WIZARD-EXIT=0");

    // the bootstrap adopts the registry's tenant id and seeds license_state
    expect(await box.bootstrap()).toMatchObject({ ok: true, status: "created", tenantId, edition });
    expect(await query(box.db, "SELECT tenant_id, company_name FROM tenants")).toEqual([{ tenant_id: tenantId, company_name: company }]);
    const first = await licenseState(box.db);
    expect(first).toMatchObject({ tenant_id: tenantId, edition, license_url: t.url });
    const applianceId = first.appliance_id as string;

    // the daily check-in: a new license (new jti, same aud) for a paid edition
    const checkIn = await box.checkIn();
    if (paid) {
      expect(checkIn).toMatchObject({ status: "refreshed", edition: "PRO" });
      const refreshed = await licenseState(box.db);
      expect(claimsOf(refreshed.license_token).jti).not.toBe(claimsOf(first.license_token).jti);
      expect(claimsOf(refreshed.license_token).aud).toBe(tenantId);
    } else {
      expect(checkIn).toMatchObject({ status: "essentials" });
    }
    const status = JSON.parse((await licenseCli(["status", "--json"], { APPLIANCE_DATABASE_URL: box.db })).stdout);
    expect(status).toMatchObject({ edition, licensed: paid, tenantId });
    if (paid) expect(status.features).toContain("MOBILE_ACCESS");

    // the appliance is wiped: a new disk, a new database
    await box.freshDisk();
    expect(existsSync(box.seeds)).toBe(false);
    // the old code is refused as used, before any password is asked for
    const old = await box.wizard(mail.code);
    const refused = await old.until("Install code already used");
    expect(refused).toContain("re-issue an install code");
    expect(refused).not.toContain("Admin password");
    old.keys("C-c");
    await old.until("WIZARD-EXIT=130");

    // support re-issues; the customer gets a new email
    const reissued = await support.reissueInstallCode({ tenantId });
    expect(reissued.tenantId).toBe(tenantId);
    const mail2 = readMail(await t.smtp.waitFor((m) => to(email)(m) && (m.text ?? "").includes(reissued.installCode)));

    // the reinstall comes back under the same tenant id
    const again = await box.wizard(mail2.code);
    await box.password(again);
    await again.until("The appliance is bound to your organisation.");
    again.keys("Enter");
    await again.until("WIZARD-EXIT=0");
    expect(await box.bootstrap()).toMatchObject({ status: "created", tenantId });
    const reinstalled = await licenseState(box.db);
    expect(reinstalled.appliance_id).toBe(applianceId); // the same machine derives the same id
    expect(await box.checkIn()).toMatchObject({ status: paid ? "refreshed" : "essentials" });

    // the same reinstall without wiping the appliance database: the console sees the bootstrapped
    // database, asks for no password and says so; the bootstrap refreshes license_state
    const reissued2 = await support.reissueInstallCode({ contactEmail: email });
    const mail3 = readMail(await t.smtp.waitFor((m) => to(email)(m) && (m.text ?? "").includes(reissued2.installCode)));
    rmSync(path.join(root, box.name, "state"), { recursive: true, force: true }); // the console's disk only
    const keep = await box.wizard(mail3.code, { withDatabase: true });
    const kept = await keep.until("The appliance is bound to your organisation.");
    expect(kept).toContain("keeps the existing password");
    expect(kept).not.toContain("password you just set");
    keep.keys("Enter");
    await keep.until("WIZARD-EXIT=0");
    expect(await box.bootstrap()).toMatchObject({ status: "refreshed", tenantId });
    const refreshedState = await licenseState(box.db);
    if (paid) expect(refreshedState.appliance_credential).not.toBe(reinstalled.appliance_credential);
    expect(await box.checkIn()).toMatchObject({ status: paid ? "refreshed" : "essentials" });
    expect(await query(box.db, "SELECT count(*)::int AS n FROM tenants")).toEqual([{ n: 1 }]);
    expect((await t.plane.services.prisma.appliance.findMany({ where: { tenantId } })).map((a) => a.applianceId)).toEqual([applianceId]);
  }, 240_000);
});
