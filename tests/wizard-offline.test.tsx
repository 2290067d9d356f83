// The console's "No network? Activate offline" path with ink-testing-library: the license service
// cannot be reached (a closed port), the operator presses O, the request is shown (text, file written;
// a QR code on a large enough console), the response file's path is typed, the admin password, apply,
// done — the seeds of an online install. A response for another appliance key is refused on screen.
import { createServer } from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { render } from "ink-testing-library";
import { act } from "react";
import { parse } from "yaml";
import { generateInstallCode } from "../api/src/domain/install-code.js";
import { generateSigningKey, loadSigningKeys, type SigningKeySet } from "../api/src/license/signing-keys.js";
import { Wizard, type WizardSettings } from "../setup-tui/src/wizard/app.js";
import { answerActivation, TENANT } from "./helpers/offline-vendor.js";

const ENTER = "\r";
const PASSWORD = "Correct-Horse-42";
let dir: string;
let closedUrl: string;
let vendor: SigningKeySet;
beforeAll(async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closedUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  await new Promise((r) => server.close(r));
  vendor = await loadSigningKeys({ dataDir: "/nonexistent", configured: JSON.stringify([(await generateSigningKey()).jwk]) });
});
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "alga-wizard-offline-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function start(opts: Partial<WizardSettings> = {}) {
  const settings: WizardSettings = {
    command: "setup",
    licenseUrl: closedUrl,
    applianceId: "wiz-offline-1",
    stateDir: path.join(dir, "state"),
    target: { outputDir: path.join(dir, "seeds") },
    graceSeconds: 72 * 3600,
    vendorKeys: vendor.publicJwks().keys,
    ...opts,
  };
  const finished: unknown[] = [];
  const app = render(<Wizard settings={settings} onFinish={(r) => finished.push(r)} />);
  const frame = () => app.lastFrame() ?? "";
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
  const type = async (s: string) => {
    const scope = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
    scope.IS_REACT_ACT_ENVIRONMENT = true;
    try {
      await act(async () => {
        app.stdin.write(s);
        await new Promise((r) => setImmediate(r));
      });
    } finally {
      scope.IS_REACT_ACT_ENVIRONMENT = false;
    }
  };
  return { app, frame, until, type, finished, settings };
}

async function toOffline(w: ReturnType<typeof start>, code: string) {
  await w.until("not reachable");
  await w.type(ENTER);
  await w.until("Install code:");
  await w.type(code);
  await w.type(ENTER);
  await w.until("No network? Press O to activate offline", 30_000);
  await w.type("o");
  await w.until("Response file:");
}

it("unreachable service: O → request shown and written → response path → password → seeds → done", async () => {
  const w = start();
  await toOffline(w, generateInstallCode());
  const requestFile = path.join(dir, "seeds", "offline-request.json");
  expect(w.frame()).toContain("activate by file");
  const request = readFileSync(requestFile, "utf8");
  // the text on screen is the request's compact JWS (wrapped)
  const jws = JSON.parse(request).request as string;
  expect(w.frame().replace(/[^A-Za-z0-9_.-]/g, "")).toContain(jws.slice(0, 60));
  expect(w.frame()).toContain("step 3/6: Activate offline");
  // the vendor answers (a response file carried back)
  const responseFile = path.join(dir, "response.json");
  writeFileSync(responseFile, await answerActivation(request, { keys: vendor }));
  await w.type(responseFile);
  await w.type(ENTER);
  await w.until("Admin password");
  await w.type(PASSWORD);
  await w.type(ENTER);
  await w.type(PASSWORD);
  await w.type(ENTER);
  await w.until("The appliance is bound to your organisation", 30_000);
  expect(w.frame()).toContain("Offline Works GmbH");
  expect(w.frame()).toMatch(/Edition: +PRO — licensed until/);
  expect(w.frame()).toContain("activated offline");
  const seeds = parse(readFileSync(path.join(dir, "seeds", "appliance-license-seed.yaml"), "utf8")).stringData;
  expect(seeds).toMatchObject({
    EDITION: "PRO",
    APPLIANCE_ID: "wiz-offline-1",
    LICENSE_TOKEN: expect.any(String),
    APPLIANCE_KEY: expect.stringContaining("Ed25519"),
  });
  const tenant = parse(readFileSync(path.join(dir, "seeds", "appliance-initial-tenant.yaml"), "utf8")).stringData;
  expect(tenant).toMatchObject({ INITIAL_TENANT_ID: TENANT, INITIAL_ADMIN_PASSWORD: PASSWORD });
  await w.type(ENTER);
  expect(w.finished).toHaveLength(1);
}, 60_000);

it("a response bound to another appliance key is refused on screen with the way out; the operator can type another path", async () => {
  const w = start({ applianceId: "wiz-offline-2" });
  await toOffline(w, generateInstallCode());
  const request = readFileSync(path.join(dir, "seeds", "offline-request.json"), "utf8");
  const wrong = path.join(dir, "wrong.json");
  writeFileSync(wrong, await answerActivation(request, { keys: vendor, jkt: "A".repeat(43) }));
  await w.type(wrong);
  await w.type(ENTER);
  await w.until("The response is bound to another appliance key");
  expect(w.frame()).toMatch(/Make a new request on this appliance/);
  expect(w.frame()).toContain("Response file:");
}, 60_000);
