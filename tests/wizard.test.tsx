// The Ink wizard with ink-testing-library, against a real running API: every screen, every refusal,
// back and forward, validation.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { render } from "ink-testing-library";
import { parse } from "yaml";
import { generateInstallCode } from "../api/src/domain/install-code.js";
import { Wizard } from "../setup-tui/src/wizard/app.js";
import { REDEEM, REGISTER, REISSUE, startTestPlane, type TestPlane } from "./helpers/control-plane.js";

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
const PASSWORD = "Correct-Horse-42";

async function register(edition = "PRO") {
  return (await t.gql(REGISTER, { input: { companyName: `Wizard ${edition} Ltd`, contactEmail: `w-${Math.random().toString(36).slice(2)}@x.test`, edition } }, { token: t.keys.store })).data.registerTenant as { tenantId: string; installCode: string };
}

function start(opts: { licenseUrl?: string; outputDir?: string; applianceId?: string } = {}) {
  const finished: unknown[] = [];
  const app = render(
    <Wizard
      licenseUrl={opts.licenseUrl ?? t.url}
      applianceId={opts.applianceId ?? `wiz-${Math.random().toString(36).slice(2, 8)}`}
      target={{ outputDir: opts.outputDir ?? path.join(dir, "seeds") }}
      onFinish={(r) => finished.push(r)}
    />,
  );
  const frame = () => app.lastFrame() ?? "";
  const until = async (text: string | RegExp, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(typeof text === "string" ? frame().includes(text) : text.test(frame()))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${text}; screen:\n${frame()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const type = async (s: string) => {
    app.stdin.write(s);
    await new Promise((r) => setTimeout(r, 30));
  };
  return { app, frame, until, type, finished };
}

async function toPassword(w: ReturnType<typeof start>, code: string) {
  await w.until("✓ reachable");
  await w.type(ENTER);
  await w.until("Install code:");
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

it("paid: welcome → code → password → redeem → apply → done; seeds written 0600 with the contract's keys", async () => {
  const reg = await register("PREMIUM");
  const w = start({ applianceId: "wiz-paid-1" });
  await w.until("Appliance id:     wiz-paid-1");
  expect(w.frame()).toContain(`License service:  ${t.url}`);
  await toPassword(w, reg.installCode.toLowerCase());
  expect(w.frame()).toContain("at least 12 characters");
  await passwords(w);
  await w.until("The appliance is bound to your organisation", 20_000);
  const done = w.frame();
  expect(done).toContain(reg.tenantId);
  expect(done).toContain("Wizard PREMIUM Ltd");
  expect(done).toMatch(/Edition: +PREMIUM licensed until \d{4}-\d\d-\d\d/);
  expect(done).not.toContain(PASSWORD);
  for (const line of done.split("\n")) expect(line.length).toBeLessThanOrEqual(80);

  const tenantFile = path.join(dir, "seeds", "appliance-initial-tenant.yaml");
  const seedFile = path.join(dir, "seeds", "appliance-license-seed.yaml");
  expect(statSync(tenantFile).mode & 0o777).toBe(0o600);
  expect(statSync(seedFile).mode & 0o777).toBe(0o600);
  const tenant = parse(readFileSync(tenantFile, "utf8"));
  expect(tenant).toMatchObject({ kind: "Secret", metadata: { name: "appliance-initial-tenant" }, stringData: { INITIAL_TENANT_ID: reg.tenantId, INITIAL_ADMIN_PASSWORD: PASSWORD } });
  const seed = parse(readFileSync(seedFile, "utf8")).stringData;
  expect(seed).toMatchObject({ EDITION: "PREMIUM", APPLIANCE_ID: "wiz-paid-1", CHECK_IN_URL: `${t.url}/graphql` });
  expect(seed.LICENSE_TOKEN.split(".")).toHaveLength(3);
  expect(seed.APPLIANCE_CREDENTIAL).toMatch(/^alc_/);

  await w.type(ENTER);
  expect(w.finished).toHaveLength(1);
  w.app.unmount();
});

it("essentials: done says essentials and the license seed carries no token", async () => {
  const reg = await register("ESSENTIALS");
  const w = start();
  await toPassword(w, reg.installCode);
  await passwords(w);
  await w.until("The appliance is bound");
  expect(w.frame()).toContain("essentials (no license needed)");
  const seed = parse(readFileSync(path.join(dir, "seeds", "appliance-license-seed.yaml"), "utf8")).stringData;
  expect(seed).toEqual({ EDITION: "ESSENTIALS", APPLIANCE_ID: expect.any(String), ALGA_LICENSE_URL: t.url });
  w.app.unmount();
});

it("the code field groups as typed, takes a paste with dashes, and checks the code locally first", async () => {
  const reg = await register();
  const w = start();
  await w.until("✓ reachable");
  await w.type(ENTER);
  await w.type(reg.installCode.slice(0, 6).toLowerCase());
  expect(w.frame()).toContain(`${reg.installCode.slice(0, 4)}-${reg.installCode.slice(5, 6)}`);
  expect(w.frame()).toContain("5/20");
  await w.type(ENTER);
  await w.until("An install code has 20 characters (5 groups of 4). You typed 5.");
  for (let i = 0; i < 5; i++) await w.type("\u007F"); // backspace
  await w.type("ABCD-EUFG-HJKM-NPQR-STVW");
  await w.type(ENTER);
  await w.until("characters that never appear in install codes");
  for (let i = 0; i < 25; i++) await w.type("\u007F");
  const canonical = reg.installCode.replace(/-/g, "");
  const typo = canonical.slice(0, 10) + (canonical[10] === "7" ? "8" : "7") + canonical.slice(11);
  await w.type(typo);
  await w.type(ENTER);
  await w.until("check character does not match");
  // nothing was sent: the code is still unconsumed and no failure was counted
  expect(await t.plane.services.prisma.rateLimitWindow.count({ where: { count: { gt: 0 } } })).toBe(0);
  w.app.unmount();
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
  for (let i = 0; i < 5; i++) await w.type("\u007F");
  await w.type("alllowercase123");
  await w.type(ENTER);
  await w.until("needs upper- and lower-case letters");
  for (let i = 0; i < 15; i++) await w.type("\u007F");
  await w.type(PASSWORD);
  await w.type(ENTER);
  expect(w.frame()).toContain("*".repeat(PASSWORD.length));
  expect(w.frame()).not.toContain(PASSWORD);
  await w.type("Different-Pass-99");
  await w.type(ENTER);
  await w.until("do not match");
  await w.type(PASSWORD);
  await w.type(ENTER);
  await w.until("The appliance is bound", 20_000);
  w.app.unmount();
});

describe("refusals are blocking and explained, with the way out", () => {
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
    await toPassword(w, code);
    await passwords(w);
    await w.until(expected);
    expect(w.frame()).toContain("never creates a tenant on its own");
    expect(w.frame()).toContain("Esc back to enter another code");
    await w.type(ESC);
    await w.until("Install code:");
    w.app.unmount();
  });

  it("RATE_LIMITED", async () => {
    const strict = await startTestPlane({ REDEEM_MAX_FAILURES: "1" });
    try {
      const w = start({ licenseUrl: strict.url });
      await toPassword(w, generateInstallCode());
      await passwords(w);
      await w.until("Install code not recognised");
      await w.type(ESC);
      await w.until("Install code:");
      await w.type(ENTER);
      await w.until("Admin password");
      await passwords(w);
      await w.until(/Too many attempts[\s\S]*try again in \d+ seconds/i);
      expect(w.frame()).toContain("R retry now");
      w.app.unmount();
    } finally {
      await strict.stop();
    }
  });
});

it("service unreachable: welcome says so, redeem retries with backoff and R retries at once", async () => {
  const w = start({ licenseUrl: "http://127.0.0.1:9" });
  await w.until("✗ not reachable");
  await w.type(ENTER);
  await w.type(generateInstallCode());
  await w.type(ENTER);
  await w.until("Admin password");
  await passwords(w);
  await w.until(/License service unreachable[\s\S]*Retrying in \ds \(attempt 2 of 6\)/);
  await w.type("r");
  await w.until(/attempt 3 of 6/);
  expect(w.frame()).toContain("press R to retry now");
  w.app.unmount();
});

it("an apply failure after the code was consumed explains the re-issue; R retries the apply", async () => {
  const reg = await register();
  const blocked = path.join(dir, "not-a-folder");
  writeFileSync(blocked, "a file where the seed folder should be");
  const w = start({ outputDir: blocked });
  await toPassword(w, reg.installCode);
  await passwords(w);
  await w.until("Applying the seeds failed", 20_000);
  expect(w.frame()).toContain("install code has already been used");
  expect(w.frame()).toContain("needs a re-issued code");
  rmSync(blocked);
  await w.type("r");
  await w.until("The appliance is bound");
  w.app.unmount();
});
