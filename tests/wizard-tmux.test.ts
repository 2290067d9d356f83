// The wizard in a real terminal: tmux (80x24) runs the compiled `alga-setup`, send-keys types (a
// send-keys call is one write: a burst), paste-buffer pastes, capture-pane reads.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { register, Terminal, tmux } from "./helpers/appliance.js";
import { CHECK_IN, codeOf, REDEEM, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { startFaultyProxy } from "./helpers/faulty-proxy.js";

let t: TestPlane;
let dir: string;
beforeAll(async () => {
  t = await startTestPlane();
  dir = mkdtempSync(path.join(os.tmpdir(), "alga-tmux-"));
});
afterAll(async () => {
  Terminal.killAll();
  rmSync(dir, { recursive: true, force: true });
  await t.stop();
});

const wizard = (name: string, outputDir: string, licenseUrl = t.url) =>
  new Terminal(name, `node setup-tui/dist/cli/setup.js --output ${outputDir}`, { ALGA_STATE_DIR: path.join(dir, "state"), ALGA_LICENSE_URL: licenseUrl });

/** The wizard's own process in a session: the child of the pane's shell. */
function wizardPid(session: string): number {
  const shell = tmux("list-panes", "-t", session, "-F", "#{pane_pid}").trim();
  // match on the command line: Node 24 names its main thread's comm "MainThread", not "node"
  const children = execFileSync("ps", ["--ppid", shell, "-o", "pid=,args="], { encoding: "utf8" });
  const line = children.split("\n").find((l) => l.includes("setup-tui/dist/cli/setup.js"));
  if (!line) throw new Error(`no wizard process under the shell ${shell}: ${children}`);
  return Number(line.trim().split(/\s+/)[0]);
}

it("an operator goes from install code to seeds in a real 80x24 terminal; bursts of editing keys are applied in order", async () => {
  const reg = await register(t, "PRO", "Terminal Works");
  const canonical = reg.installCode.replace(/-/g, "");
  const out = path.join(dir, "seeds");
  const w = wizard("alga-wizard-ok", out);
  const welcome = await w.until("✓ reachable");
  expect(welcome).toContain("Alga appliance setup");
  expect(welcome).toContain("step 1/6: Welcome");
  w.keys("Enter");
  await w.until("Install code:");
  // typed in lower case without dashes, then a held Backspace: one write of 4 DELs
  w.type(canonical.slice(0, 12).toLowerCase());
  await w.until("12/20");
  w.type("\u007f".repeat(4));
  await w.until("8/20");
  expect(w.screen()).toContain(`${canonical.slice(0, 4)}-${canonical.slice(4, 8)}`);
  w.keys("C-u");
  await w.until("0/20");
  w.paste(reg.installCode);
  await w.until(reg.installCode);
  w.keys("Enter");
  await w.until("Confirm password");
  // eight characters too many, deleted by one burst: the mask must show the real length
  w.type(`Terminal-Pass-2026${"x".repeat(8)}`);
  w.type("\u007f".repeat(8));
  await w.until(new RegExp(`Password: {9}\\*{${"Terminal-Pass-2026".length}}(?!\\*)`));
  expect(w.screen()).not.toContain("*".repeat("Terminal-Pass-2026".length + 1));
  w.keys("Enter");
  w.type("Terminal-Pass-2026\r");
  const done = await w.until("The appliance is bound to your organisation.");
  expect(done).toContain(reg.tenantId);
  expect(done).toContain("Terminal Works");
  expect(done).toMatch(/Edition: +PRO — licensed until/);
  expect(done).not.toContain("Terminal-Pass-2026");
  // it fits the console
  const lines = done.trimEnd().split("\n");
  expect(lines.length).toBeLessThanOrEqual(24);
  expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
  w.keys("Enter");
  await w.until("WIZARD-EXIT=0");
  const seed = parse(readFileSync(path.join(out, "appliance-initial-tenant.yaml"), "utf8"));
  expect(seed.stringData).toMatchObject({ INITIAL_TENANT_ID: reg.tenantId, INITIAL_ADMIN_PASSWORD: "Terminal-Pass-2026" });
}, 120_000);

it("a used code is said before the password; Esc, and a pasted code replaces the old one", async () => {
  const used = await register(t);
  await t.gql(REDEEM, { input: { installCode: used.installCode, applianceId: "elsewhere" } });
  const good = await register(t);
  const w = wizard("alga-wizard-used", path.join(dir, "seeds-used"));
  await w.until("✓ reachable");
  w.keys("Enter");
  await w.until("Install code:");
  w.type(`${used.installCode}\r`);
  const refused = await w.until("Install code already used");
  expect(refused).not.toContain("Admin password");
  w.keys("Escape");
  await w.until("20/20");
  w.paste(good.installCode);
  await w.until(good.installCode);
  expect(w.screen()).toContain("20/20");
  w.keys("Enter");
  await w.until("Confirm password");
  w.keys("C-c");
  await w.until("WIZARD-EXIT=130");
}, 120_000);

it("Ctrl+C quits cleanly at any step", async () => {
  const w = wizard("alga-wizard-quit", path.join(dir, "unused"));
  await w.until("✓ reachable");
  w.keys("Enter");
  await w.until("Install code:");
  w.keys("C-c");
  const screen = await w.until("WIZARD-EXIT=130");
  expect(screen).not.toMatch(/Error|at .*\.(ts|js)/);
}, 120_000);

/** Welcome → the code (pasted) → both password fields: the wizard then redeems. */
async function toRedeem(w: Terminal, installCode: string): Promise<Terminal> {
  await w.until("✓ reachable");
  w.keys("Enter");
  await w.until("Install code:");
  w.paste(installCode);
  await w.until("20/20");
  w.keys("Enter");
  await w.until("Confirm password");
  w.type("Crash-Recovery-2026\r");
  w.type("Crash-Recovery-2026\r");
  return w;
}

it("kill -9 while a lost redeem answer is being retried; the wizard started again with the same code recovers the redemption (the kept redemption key)", async () => {
  const reg = await register(t, "PRO", "Crash Recovery");
  const proxy = await startFaultyProxy(t.url);
  const out = path.join(dir, "seeds-crash");
  try {
    proxy.dropResponsesTo(/redeemInstallCode/, 10);
    const w = await toRedeem(wizard("alga-wizard-crash", out, proxy.url), reg.installCode);
    await w.until("Retrying in");
    process.kill(wizardPid("alga-wizard-crash"), "SIGKILL");
    await w.until("WIZARD-EXIT=137");
  } finally {
    await proxy.stop();
  }
  expect(proxy.withheld.length).toBeGreaterThanOrEqual(1);

  // the code check does not say "already used": the code was this appliance's own redemption
  const again = await toRedeem(wizard("alga-wizard-crash-again", out), reg.installCode);
  await again.until("The appliance is bound to your organisation.");
  again.keys("Enter");
  await again.until("WIZARD-EXIT=0");
  const seed = parse(readFileSync(path.join(out, "appliance-license-seed.yaml"), "utf8")).stringData;
  expect((await t.gql(CHECK_IN, { input: { applianceId: seed.APPLIANCE_ID } }, { token: seed.APPLIANCE_CREDENTIAL })).data.checkIn.tenantId).toBe(reg.tenantId);
  for (const body of proxy.withheld) {
    expect(
      codeOf(await t.gql(CHECK_IN, { input: { applianceId: seed.APPLIANCE_ID } }, { token: JSON.parse(body).data.redeemInstallCode.applianceCredential })),
    ).toBe("UNAUTHENTICATED");
  }
}, 120_000);
