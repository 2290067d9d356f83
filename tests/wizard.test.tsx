// The Ink wizard with ink-testing-library, against a real running API: every screen, every refusal
// (said before the password when the service can tell), bursts of editing keys written at once, back
// and forward, the license service URL changed on screen, and a done screen that tells the truth.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { render } from "ink-testing-library";
import { act } from "react";
import { parse } from "yaml";
import { generateInstallCode } from "../api/src/domain/install-code.js";
import { createTenant } from "../setup-tui/src/bootstrap/create-tenant.js";
import { Wizard, type WizardSettings } from "../setup-tui/src/wizard/app.js";
import { applianceDb, register as registerOn } from "./helpers/appliance.js";
import { CHECK_IN, codeOf, REDEEM, REISSUE, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { startFaultyProxy } from "./helpers/faulty-proxy.js";

let t: TestPlane;
let dir: string;
beforeAll(async () => {
  t = await startTestPlane({ REDEEM_MAX_FAILURES: "1000" });
});
afterAll(() => t.stop());
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "alga-wizard-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ENTER = "\r";
const ESC = "\u001B";
const BACKSPACE = "\u007F";
const CTRL_U = "\u0015";
const DELETE = "\u001B[3~";
const PASSWORD = "Correct-Horse-42";

const register = (edition = "PRO", company?: string) => registerOn(t, edition, company ?? `Wizard ${edition} Ltd`);

function start(opts: Partial<WizardSettings> = {}) {
  const finished: unknown[] = [];
  const settings: WizardSettings = {
    command: "setup",
    licenseUrl: t.url,
    applianceId: `wiz-${Math.random().toString(36).slice(2, 8)}`,
    stateDir: path.join(dir, "state"),
    target: { outputDir: path.join(dir, "seeds") },
    graceSeconds: 72 * 3600,
    ...opts,
  };
  const app = render(<Wizard settings={settings} onFinish={(r) => finished.push(r)} />);
  const frame = () => app.lastFrame() ?? "";
  // the screen's words without borders and line breaks (for text that wraps)
  const flat = () =>
    frame()
      .replace(/[│╭╮╰╯─┌┐└┘]/g, " ")
      .replace(/\s+/g, " ");
  const seen = (text: string | RegExp) =>
    typeof text === "string" ? frame().includes(text) || flat().includes(text) : text.test(frame()) || text.test(flat());
  const until = async (text: string | RegExp, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!seen(text)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${text}; screen:\n${frame()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  /** one stdin write: every key in it arrives in one chunk, as a burst; resolves once the wizard has rendered it */
  const type = async (s: string) => {
    const scope = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
    scope.IS_REACT_ACT_ENVIRONMENT = true;
    try {
      // act() resolves once React has rendered everything the keys caused and run its effects
      await act(async () => {
        app.stdin.write(s);
        // Ink delivers a lone Esc (it may start a sequence) on the event loop's next turn: a key of its own
        await new Promise((r) => setImmediate(r));
      });
    } finally {
      // outside type(), updates (answers of the service) render as in the product; until() waits for them
      scope.IS_REACT_ACT_ENVIRONMENT = false;
    }
  };
  return { app, frame, until, type, finished, settings };
}

async function toCode(w: ReturnType<typeof start>) {
  await w.until("✓ reachable");
  await w.type(ENTER);
  await w.until("Install code:");
}

async function toPassword(w: ReturnType<typeof start>, code: string) {
  await toCode(w);
  await w.type(code);
  await w.type(ENTER);
  await w.until("Admin password");
}

async function passwords(w: ReturnType<typeof start>, a = PASSWORD, b = PASSWORD) {
  await w.type(a);
  await w.type(ENTER);
  await w.type(b);
  await w.type(ENTER);
}

const seedsIn = (d = path.join(dir, "seeds")) => ({
  tenant: parse(readFileSync(path.join(d, "appliance-initial-tenant.yaml"), "utf8")).stringData,
  license: parse(readFileSync(path.join(d, "appliance-license-seed.yaml"), "utf8")).stringData,
});

it("paid: welcome → code → password → redeem → apply → done; seeds written 0600 with the contract's keys and the pinned vendor keys", async () => {
  const reg = await register("PREMIUM");
  const w = start({ applianceId: "wiz-paid-1" });
  await w.until(/Appliance id: +wiz-paid-1/);
  expect(w.frame()).toMatch(new RegExp(`License service: +${t.url}`));
  expect(w.frame()).toContain("step 1/6: Welcome");
  await toPassword(w, reg.installCode.toLowerCase());
  expect(w.frame()).toContain("at least 12 characters");
  await passwords(w);
  await w.until("The appliance is bound to your organisation", 30_000);
  const done = w.frame();
  expect(done).toContain(reg.tenantId);
  expect(done).toContain("Wizard PREMIUM Ltd");
  // the edition is said once, with the license
  expect(done).toMatch(/Edition: +PREMIUM — licensed until \d{4}-\d\d-\d\d, renewed daily/);
  expect(done.match(/PREMIUM/g)).toHaveLength(2); // company name and edition
  expect(done).toContain("with the password you just set");
  expect(done).not.toContain(PASSWORD);
  for (const line of done.split("\n")) expect(line.length).toBeLessThanOrEqual(80);

  const tenantFile = path.join(dir, "seeds", "appliance-initial-tenant.yaml");
  const seedFile = path.join(dir, "seeds", "appliance-license-seed.yaml");
  expect(statSync(tenantFile).mode & 0o777).toBe(0o600);
  expect(statSync(seedFile).mode & 0o777).toBe(0o600);
  const seeds = seedsIn();
  expect(parse(readFileSync(tenantFile, "utf8"))).toMatchObject({ kind: "Secret", metadata: { name: "appliance-initial-tenant" } });
  expect(seeds.tenant).toMatchObject({ INITIAL_TENANT_ID: reg.tenantId, INITIAL_ADMIN_PASSWORD: PASSWORD });
  expect(seeds.license).toMatchObject({ EDITION: "PREMIUM", APPLIANCE_ID: "wiz-paid-1", CHECK_IN_URL: `${t.url}/graphql`, ALGA_LICENSE_URL: t.url });
  expect(seeds.license.LICENSE_TOKEN.split(".")).toHaveLength(3);
  expect(seeds.license.APPLIANCE_CREDENTIAL).toMatch(/^alc_/);
  expect(new Date(seeds.license.REDEEMED_AT).getTime()).toBeGreaterThan(Date.now() - 60_000);
  const jws = JSON.parse(seeds.license.LICENSE_VENDOR_KEYS);
  expect(jws.signatures.length).toBeGreaterThanOrEqual(1);

  await w.type(ENTER);
  expect(w.finished).toHaveLength(1);
  w.app.unmount();
});

it("essentials: the edition is said once, and the license seed carries no token", async () => {
  const reg = await register("ESSENTIALS");
  const w = start();
  await toPassword(w, reg.installCode);
  await passwords(w);
  await w.until("The appliance is bound");
  expect(w.frame()).toMatch(/Edition: +ESSENTIALS \(free: no license needed\)/);
  expect(w.frame()).not.toMatch(/ESSENTIALS essentials/i);
  expect(w.frame()).not.toContain("daily check-in");
  const { license } = seedsIn();
  expect(Object.keys(license).sort()).toEqual([
    "ALGA_LICENSE_URL",
    "APPLIANCE_ID",
    "APPLIANCE_KEY",
    "EDITION",
    "LICENSE_SEED_DIGEST",
    "LICENSE_VENDOR_KEYS",
    "REDEEMED_AT",
  ]);
  expect(license.EDITION).toBe("ESSENTIALS");
  w.app.unmount();
});

it("the code field groups as typed, takes a paste with dashes, and checks the code locally first (nothing sent)", async () => {
  const reg = await register();
  const w = start();
  await toCode(w);
  await w.type(reg.installCode.slice(0, 6).toLowerCase());
  expect(w.frame()).toContain(`${reg.installCode.slice(0, 4)}-${reg.installCode.slice(5, 6)}`);
  expect(w.frame()).toContain("5/20");
  await w.type(ENTER);
  await w.until("An install code has 20 characters (5 groups of 4); this one has 5. Nothing was sent.");
  await w.type(CTRL_U);
  await w.type("ABCD-EUFG-HJKM-NPQR-STVW");
  await w.type(ENTER);
  await w.until("characters that never appear in install codes");
  await w.type(CTRL_U);
  const canonical = reg.installCode.replace(/-/g, "");
  const typo = canonical.slice(0, 10) + (canonical[10] === "7" ? "8" : "7") + canonical.slice(11);
  await w.type(typo);
  await w.type(ENTER);
  await w.until("the last character is a check character computed from the others");
  // nothing was sent: the code is still unconsumed and no failure was counted
  expect(await t.plane.services.prisma.rateLimitWindow.count({ where: { count: { gt: 0 } } })).toBe(0);
  w.app.unmount();
});

describe("bursts: every key of one write is applied in order", () => {
  it("Backspace, Delete and Ctrl+H bursts delete (never add) in the code field; Ctrl+U clears; a pasted code replaces", async () => {
    const reg = await register();
    const canonical = reg.installCode.replace(/-/g, "");
    const w = start();
    await toCode(w);
    await w.type(canonical.slice(0, 12));
    await w.type(BACKSPACE.repeat(4)); // held Backspace: one chunk
    await w.until("8/20");
    expect(w.frame()).toContain(`${canonical.slice(0, 4)}-${canonical.slice(4, 8)}`);
    await w.type(DELETE.repeat(3) + "\b\b"); // Delete sequences and Ctrl+H in one write
    await w.until("3/20");
    await w.type(`XYZ${BACKSPACE.repeat(2)}Q${CTRL_U}${canonical.slice(0, 2)}`);
    await w.until("2/20");
    // a paste of a complete code replaces what is there
    await w.type(reg.installCode);
    await w.until("20/20");
    expect(w.frame()).toContain(reg.installCode);
    // the code and Enter in one write
    await w.type(`${CTRL_U}${canonical}${ENTER}`);
    await w.until("Admin password");
    w.app.unmount();
  });

  it("Backspace bursts in the masked password fields delete; text, Backspace and Enter in one write arrive in order", async () => {
    const reg = await register();
    const w = start();
    await toPassword(w, reg.installCode);
    await w.type(`${PASSWORD}xxxxxxxx`);
    await w.until(`Password:         ${"*".repeat(PASSWORD.length + 8)}`);
    await w.type(BACKSPACE.repeat(8));
    await w.until(new RegExp(`Password: {9}\\*{${PASSWORD.length}}(?!\\*)`));
    // first field done, confirmation typed with a typo fixed, all in one write each
    await w.type(ENTER);
    await w.type(`${PASSWORD}zz${BACKSPACE}${BACKSPACE}${ENTER}`);
    await w.until("The appliance is bound", 30_000);
    expect(seedsIn().tenant.INITIAL_ADMIN_PASSWORD).toBe(PASSWORD);
    w.app.unmount();
  });

  it("Ctrl+U clears a password field; Esc from the confirmation goes back to the first field", async () => {
    const reg = await register();
    const w = start();
    await toPassword(w, reg.installCode);
    await w.type(`wrong-one${CTRL_U}${PASSWORD}${ENTER}abc`);
    await w.until(`Confirm password: ***`);
    await w.type(ESC);
    await w.until(`Password:         ${"*".repeat(PASSWORD.length)}`);
    await w.type(`${ENTER}${PASSWORD}${ENTER}`);
    await w.until("The appliance is bound", 30_000);
    expect(seedsIn().tenant.INITIAL_ADMIN_PASSWORD).toBe(PASSWORD);
    w.app.unmount();
  });
});

it("Esc goes back a step and Enter forward again keeps what was typed", async () => {
  const reg = await register();
  const w = start();
  await toPassword(w, reg.installCode);
  await w.type(ESC);
  await w.until("Install code:");
  expect(w.frame()).toContain(reg.installCode);
  await w.type(ESC);
  await w.until("Reachability");
  await w.type(ENTER);
  await w.until(reg.installCode);
  await w.type(ENTER);
  await w.until("Admin password");
  w.app.unmount();
});

it("password: strength rules and confirmation are enforced", async () => {
  const reg = await register();
  const w = start();
  await toPassword(w, reg.installCode);
  await w.type("short");
  await w.type(ENTER);
  await w.until("shorter than 12 characters");
  await w.type(CTRL_U);
  await w.type("alllowercase123");
  await w.type(ENTER);
  await w.until("needs upper- and lower-case letters");
  await w.type(CTRL_U);
  await w.type(PASSWORD);
  await w.type(ENTER);
  expect(w.frame()).toContain("*".repeat(PASSWORD.length));
  expect(w.frame()).not.toContain(PASSWORD);
  await w.type("Different-Pass-99");
  await w.type(ENTER);
  await w.until("do not match");
  await w.type(PASSWORD);
  await w.type(ENTER);
  await w.until("The appliance is bound", 30_000);
  w.app.unmount();
});

describe("the code's state is checked before the password is asked for", () => {
  const cases: [string, () => Promise<string>, RegExp][] = [
    ["INVALID_INSTALL_CODE", async () => generateInstallCode(), /Install code not recognised[\s\S]*re-issue an install code/],
    [
      "EXPIRED_INSTALL_CODE",
      async () => {
        const reg = await register();
        await t.plane.services.prisma.installCode.updateMany({ where: { tenantId: reg.tenantId }, data: { expiresAt: new Date(Date.now() - 1000) } });
        return reg.installCode;
      },
      /Install code expired[\s\S]*re-issue an install code/,
    ],
    [
      "CONSUMED_INSTALL_CODE",
      async () => {
        const reg = await register();
        await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId: "someone-else" } });
        return reg.installCode;
      },
      /Install code already used[\s\S]*re-issue an install code/,
    ],
    [
      "REVOKED_INSTALL_CODE",
      async () => {
        const reg = await register();
        await t.gql(REISSUE, { input: { tenantId: reg.tenantId } }, { token: t.keys.store });
        return reg.installCode;
      },
      /Install code revoked[\s\S]*newest code/,
    ],
    [
      "TENANT_SUSPENDED",
      async () => {
        const reg = await register();
        await t.plane.services.prisma.tenantRegistry.update({ where: { id: reg.tenantId }, data: { status: "SUSPENDED" } });
        return reg.installCode;
      },
      /Organisation suspended[\s\S]*Contact your vendor/,
    ],
  ];
  it.each(cases)("%s", async (_code, makeCode, expected) => {
    const code = await makeCode();
    const w = start();
    await toCode(w);
    await w.type(`${code}${ENTER}`);
    await w.until(expected);
    expect(w.frame()).not.toContain("Admin password");
    expect(w.frame()).toContain("Esc back to enter another code");
    await w.type(ESC);
    await w.until("Install code:");
    expect(w.frame()).toContain(code.toUpperCase());
    w.app.unmount();
  });

  it("another organisation's code on a bootstrapped appliance database is refused before it is spent", async () => {
    const mine = await register("PRO", "Mine Ltd");
    const theirs = await register("PRO", "Theirs Ltd");
    const db = await applianceDb();
    await createTenant(db, { INITIAL_TENANT_ID: mine.tenantId, INITIAL_ADMIN_PASSWORD: PASSWORD, INITIAL_COMPANY_NAME: "Mine Ltd", EDITION: "ESSENTIALS" });
    const w = start({ databaseUrl: db });
    await w.until("set up for Mine Ltd");
    await toCode(w);
    await w.type(`${theirs.installCode}${ENTER}`);
    await w.until(/already set up for Mine Ltd[\s\S]*this code is for Theirs Ltd/);
    expect(w.frame()).toContain("The code was not used");
    expect((await t.plane.services.prisma.installCode.findFirstOrThrow({ where: { tenantId: theirs.tenantId } })).consumedAt).toBeNull();
    w.app.unmount();
  });

  it("RATE_LIMITED is said at the check, with when to retry; R retries", async () => {
    const strict = await startTestPlane({ REDEEM_MAX_FAILURES: "1" });
    try {
      const w = start({ licenseUrl: strict.url });
      await toCode(w);
      await w.type(`${generateInstallCode()}${ENTER}`);
      await w.until("Install code not recognised");
      await w.type(ESC);
      await w.until("Install code:");
      await w.type(ENTER);
      await w.until(/Too many attempts[\s\S]*try again in \d+ seconds/i);
      expect(w.frame()).toContain("R retry now");
      expect(w.frame()).not.toContain("Admin password");
      w.app.unmount();
    } finally {
      await strict.stop();
    }
  });
});

it("a code refused at redemption: Esc keeps the password, Ctrl+U clears the old code, a pasted new code replaces it", async () => {
  const reg = await register();
  const w = start();
  await toPassword(w, reg.installCode);
  await w.type(`${PASSWORD}${ENTER}`); // the first field; the confirmation below
  // someone else redeems the code between the check and this redemption
  await t.gql(REDEEM, { input: { installCode: reg.installCode, applianceId: "someone-else" } });
  await w.type(`${PASSWORD}${ENTER}`);
  await w.until(/Install code already used[\s\S]*Esc back to enter another code/);
  await w.type(ESC);
  await w.until("Install code:");
  expect(w.frame()).toContain(reg.installCode);
  const fresh = (await t.gql(REISSUE, { input: { tenantId: reg.tenantId } }, { token: t.keys.store })).data.reissueInstallCode.installCode as string;
  await w.type(fresh); // the paste replaces the old code instead of appending (no 24/20)
  await w.until("20/20");
  expect(w.frame()).toContain(fresh);
  expect(w.frame()).not.toContain(reg.installCode);
  await w.type(ENTER);
  await w.until("The password you chose before is kept");
  await w.type(ENTER);
  await w.until("The appliance is bound", 30_000);
  expect(seedsIn().tenant.INITIAL_ADMIN_PASSWORD).toBe(PASSWORD);
  w.app.unmount();
});

it("a lost redeem answer (the proxy resets after the API processed it): the automatic retry sends the kept redemption key and the redemption is replayed", async () => {
  const reg = await register();
  const proxy = await startFaultyProxy(t.url);
  try {
    proxy.dropResponsesTo(/redeemInstallCode/);
    const w = start({ licenseUrl: proxy.url, applianceId: "wiz-lost-answer" });
    await toPassword(w, reg.installCode);
    await passwords(w);
    await w.until("Retrying in");
    await w.until("The appliance is bound to your organisation", 30_000);
    expect(w.frame()).not.toContain("already used");
    const lost = JSON.parse(proxy.withheld[0]!).data.redeemInstallCode;
    const { license } = seedsIn();
    expect(license.APPLIANCE_CREDENTIAL).not.toBe(lost.applianceCredential);
    expect((await t.gql(CHECK_IN, { input: { applianceId: "wiz-lost-answer" } }, { token: license.APPLIANCE_CREDENTIAL })).data.checkIn.tenantId).toBe(
      reg.tenantId,
    );
    expect(codeOf(await t.gql(CHECK_IN, { input: { applianceId: "wiz-lost-answer" } }, { token: lost.applianceCredential }))).toBe("UNAUTHENTICATED");
    w.app.unmount();
  } finally {
    await proxy.stop();
  }
});

it("quit while the lost answer is retried, then started again with the same code: the check lets this appliance's redemption go on, and it is replayed", async () => {
  const reg = await register();
  const proxy = await startFaultyProxy(t.url);
  try {
    proxy.dropResponsesTo(/redeemInstallCode/, 10);
    const first = start({ licenseUrl: proxy.url, applianceId: "wiz-restarted" });
    await toPassword(first, reg.installCode);
    await passwords(first);
    await first.until("Retrying in");
    first.app.unmount();
  } finally {
    await proxy.stop();
  }
  // someone else's attempt is still refused before the password
  const other = start({ applianceId: "wiz-someone-else", stateDir: path.join(dir, "other-state") });
  await toCode(other);
  await other.type(reg.installCode);
  await other.type(ENTER);
  await other.until("Install code already used");
  other.app.unmount();

  const again = start({ applianceId: "wiz-restarted" });
  await toPassword(again, reg.installCode);
  await passwords(again);
  await again.until("The appliance is bound to your organisation", 30_000);
  expect((await t.gql(CHECK_IN, { input: { applianceId: "wiz-restarted" } }, { token: seedsIn().license.APPLIANCE_CREDENTIAL })).data.checkIn.tenantId).toBe(
    reg.tenantId,
  );
  again.app.unmount();
});

it("the license service URL is changed on the welcome screen", async () => {
  const reg = await register();
  const w = start({ licenseUrl: "http://127.0.0.1:9" });
  await w.until("✗ not reachable");
  await w.type("u");
  await w.until("URL: http://127.0.0.1:9");
  await w.type(`${CTRL_U}license.example${ENTER}`);
  await w.until("That URL cannot be used");
  await w.type(`${CTRL_U}${t.url}${ENTER}`);
  await w.until("✓ reachable");
  expect(w.frame()).toMatch(new RegExp(`License service: +${t.url}`));
  await w.type(ENTER);
  await w.until("Install code:");
  await w.type(`${reg.installCode}${ENTER}`);
  await w.until("Admin password");
  await passwords(w);
  await w.until("The appliance is bound", 30_000);
  expect(seedsIn().license.ALGA_LICENSE_URL).toBe(t.url);
  w.app.unmount();
});

it("service unreachable: the check says so and lets the operator continue; redeem retries with a countdown, R retries at once", async () => {
  const w = start({ licenseUrl: "http://127.0.0.1:9" });
  await w.until("✗ not reachable");
  await w.type(ENTER);
  await w.until("Install code:");
  await w.type(`${generateInstallCode()}${ENTER}`);
  await w.until(/The code's state could not be checked[\s\S]*License service unreachable/, 30_000);
  await w.type(ENTER);
  await w.until("Admin password");
  await passwords(w);
  await w.until(/License service unreachable[\s\S]*Retrying in \ds \(attempt 2 of 6\)/, 30_000);
  await w.type("r");
  await w.until(/attempt 3 of 6/, 30_000);
  expect(w.frame()).toContain("press R to retry now");
  w.app.unmount();
});

describe("the done screen tells the truth about the admin password", () => {
  it("an appliance already bootstrapped for this organisation: no password step, the administrator keeps the existing password", async () => {
    const reg = await register("PRO", "Kept Password Ltd");
    const db = await applianceDb();
    await createTenant(db, { INITIAL_TENANT_ID: reg.tenantId, INITIAL_ADMIN_PASSWORD: "Original-Admin-77", EDITION: "ESSENTIALS" });
    const w = start({ databaseUrl: db });
    await w.until(`set up for Appliance`);
    await toCode(w);
    await w.type(`${reg.installCode}${ENTER}`);
    await w.until("The appliance is bound", 30_000);
    const done = w.frame();
    expect(done).toContain("keeps the existing password");
    expect(done).not.toContain("password you just set");
    expect(w.app.frames.join("\n")).not.toContain("Admin password");
    expect(seedsIn().tenant.INITIAL_ADMIN_PASSWORD).toBeUndefined();
    w.app.unmount();
  });

  it("seeds of an earlier install with the password cleared (the chart did it after the bootstrap): no password step either", async () => {
    const reg = await register("ESSENTIALS");
    const seedDir = path.join(dir, "seeds");
    const first = start();
    await toPassword(first, reg.installCode);
    await passwords(first);
    await first.until("The appliance is bound", 30_000);
    first.app.unmount();
    // what the chart's clear-admin-password Job leaves behind
    const file = path.join(seedDir, "appliance-initial-tenant.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace(/ {2}INITIAL_ADMIN_PASSWORD: .*\n/, ""));
    const again = (await t.gql(REISSUE, { input: { tenantId: reg.tenantId } }, { token: t.keys.store })).data.reissueInstallCode.installCode;
    const w = start();
    await w.until(`set up for`);
    await toCode(w);
    await w.type(`${again}${ENTER}`);
    await w.until("The appliance is bound", 30_000);
    expect(w.frame()).toContain("keeps the existing password");
    expect(w.frame()).not.toContain("password you just set");
    w.app.unmount();
  });

  it("seeds with a password already in place: it cannot be known, so the screen says both cases; wrapped lines keep their indent", async () => {
    const reg = await register("ESSENTIALS", "A Company With A Rather Long Registered Name For Wrapping GmbH & Co. KG");
    const w1 = start();
    await toPassword(w1, reg.installCode);
    await passwords(w1);
    await w1.until("The appliance is bound", 30_000);
    w1.app.unmount();
    const again = (await t.gql(REISSUE, { input: { tenantId: reg.tenantId } }, { token: t.keys.store })).data.reissueInstallCode.installCode;
    const w = start();
    await w.until("seeds for tenant");
    await toPassword(w, again);
    await passwords(w);
    await w.until("The appliance is bound", 30_000);
    const lines = w.frame().split("\n");
    const at = lines.findIndex((l) => /^\s+2\. Sign in as/.test(l));
    expect(at).toBeGreaterThan(0);
    expect(
      lines
        .slice(at, at + 4)
        .join(" ")
        .replace(/\s+/g, " "),
    ).toMatch(/with the password you just set on a new appliance database; if it was bootstrapped before/);
    // the continuation lines start under the text, not under the number
    const indent = lines[at]!.indexOf("Sign in");
    expect(lines[at + 1]!.slice(0, indent).trim()).toBe("");
    expect(lines[at + 1]!.length).toBeGreaterThan(indent);
    w.app.unmount();
  });
});

it("an apply failure after the code was consumed explains the re-issue; R retries the apply", async () => {
  const reg = await register();
  const blocked = path.join(dir, "not-a-folder");
  writeFileSync(blocked, "a file where the seed folder should be");
  const w = start({ target: { outputDir: blocked } });
  await toPassword(w, reg.installCode);
  await passwords(w);
  await w.until("Applying the seeds failed", 30_000);
  expect(w.frame()).toContain("install code has already been used");
  expect(w.frame()).toContain("needs a re-issued code");
  rmSync(blocked);
  await w.type("r");
  await w.until("The appliance is bound");
  w.app.unmount();
});
