// The wizard in a real terminal: tmux (80x24) runs `npm run setup`, send-keys types, capture-pane reads.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { REGISTER, startTestPlane, type TestPlane } from "./helpers/control-plane.js";

let t: TestPlane;
let dir: string;
const sessions: string[] = [];
beforeAll(async () => {
  t = await startTestPlane();
  dir = mkdtempSync(path.join(os.tmpdir(), "alga-tmux-"));
});
afterAll(async () => {
  for (const s of sessions) {
    try {
      tmux("kill-session", "-t", s);
    } catch {
      /* already gone */
    }
  }
  rmSync(dir, { recursive: true, force: true });
  await t.stop();
});

function tmux(...args: string[]): string {
  return execFileSync("tmux", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function startWizard(name: string, outputDir: string) {
  sessions.push(name);
  // a console is not CI: with CI set, Ink draws only the final frame
  const cmd =
    `cd ${process.cwd()} && env -u CI -u CONTINUOUS_INTEGRATION ALGA_STATE_DIR=${dir}/state ALGA_LICENSE_URL=${t.url} ` +
    `npm run --silent setup -- --output ${outputDir}; echo "WIZARD-EXIT=$?"; sleep 60`;
  tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", cmd);
  const screen = () => tmux("capture-pane", "-p", "-t", name);
  const until = async (text: string, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!screen().includes(text)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}"; screen:\n${screen()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return screen();
  };
  const keys = (...k: string[]) => tmux("send-keys", "-t", name, ...k);
  return { screen, until, keys };
}

it("an operator goes from install code to seeds in a real 80x24 terminal", async () => {
  const reg = (await t.gql(REGISTER, { input: { companyName: "Terminal Works", contactEmail: "ops@terminal.test", edition: "PRO" } }, { token: t.keys.store })).data.registerTenant;
  const out = path.join(dir, "seeds");
  const w = startWizard("alga-wizard-ok", out);
  const welcome = await w.until("✓ reachable");
  expect(welcome).toContain("Alga appliance setup");
  expect(welcome).toContain("step 1/6: Welcome");
  w.keys("Enter");
  await w.until("Install code:");
  // typed in lower case without dashes, as an operator might
  w.keys("-l", reg.installCode.replace(/-/g, "").toLowerCase());
  await w.until(reg.installCode);
  w.keys("Enter");
  await w.until("Confirm password");
  w.keys("-l", "Terminal-Pass-2026");
  w.keys("Enter");
  w.keys("-l", "Terminal-Pass-2026");
  w.keys("Enter");
  const done = await w.until("The appliance is bound to your organisation.");
  expect(done).toContain(reg.tenantId);
  expect(done).toContain("Terminal Works");
  expect(done).not.toContain("Terminal-Pass-2026");
  // it fits the console
  const lines = done.trimEnd().split("\n");
  expect(lines.length).toBeLessThanOrEqual(24);
  expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
  w.keys("Enter");
  await w.until("WIZARD-EXIT=0");
  const seed = parse(readFileSync(path.join(out, "appliance-initial-tenant.yaml"), "utf8"));
  expect(seed.stringData.INITIAL_TENANT_ID).toBe(reg.tenantId);
}, 120_000);

it("Ctrl+C quits cleanly at any step", async () => {
  const w = startWizard("alga-wizard-quit", path.join(dir, "unused"));
  await w.until("✓ reachable");
  w.keys("Enter");
  await w.until("Install code:");
  w.keys("C-c");
  const screen = await w.until("WIZARD-EXIT=130");
  expect(screen).not.toMatch(/Error|at .*\.ts/);
}, 120_000);
