// The offline activation in a real terminal (tmux): `alga-setup offline-request` draws the request as a
// QR code that decodes, from the captured screen, to exactly the request it wrote; and the wizard, with
// no network path to the license service, goes O → request → response file → password → done.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import jsqr from "jsqr";
import { generateInstallCode } from "../api/src/domain/install-code.js";
import { generateSigningKey, loadSigningKeys, type SigningKeySet } from "../api/src/license/signing-keys.js";
import { Terminal } from "./helpers/appliance.js";
import { answerActivation } from "./helpers/offline-vendor.js";

// a CommonJS module whose export is the function (and its .default)
const jsQR = ((jsqr as unknown as { default?: unknown }).default ?? jsqr) as unknown as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;

let dir: string;
let closedUrl: string;
let vendor: SigningKeySet;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "alga-offline-tmux-"));
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closedUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  await new Promise((r) => server.close(r));
  vendor = await loadSigningKeys({ dataDir: "/nonexistent", configured: JSON.stringify([(await generateSigningKey()).jwk]) });
});
afterAll(() => {
  Terminal.killAll();
  rmSync(dir, { recursive: true, force: true });
});

/** The QR code drawn with half blocks (light = block), read back into pixels and decoded. */
function decodeScreenQr(screen: string): string | null {
  const lines = screen.split("\n").filter((l) => /^[█▀▄ ]{30,}$/.test(l.trimEnd()) && /[█▀▄]/.test(l));
  if (!lines.length) return null;
  const width = Math.max(...lines.map((l) => [...l].length));
  const scale = 4;
  const rows = lines.length * 2;
  const w = (width + 8) * scale;
  const h = (rows + 8) * scale;
  const data = new Uint8ClampedArray(w * h * 4).fill(255);
  const set = (x: number, y: number, light: boolean) => {
    for (let dy = 0; dy < scale; dy++)
      for (let dx = 0; dx < scale; dx++) {
        const i = (((y + 4) * scale + dy) * w + (x + 4) * scale + dx) * 4;
        const v = light ? 255 : 0;
        data[i] = data[i + 1] = data[i + 2] = v;
      }
  };
  lines.forEach((line, row) => {
    const chars = [...line.padEnd(width)];
    chars.forEach((ch, x) => {
      set(x, row * 2, ch === "█" || ch === "▀");
      set(x, row * 2 + 1, ch === "█" || ch === "▄");
    });
  });
  return jsQR(data, w, h)?.data ?? null;
}

it("offline-request on a terminal: a QR code that decodes to the request written, and the text", async () => {
  const out = path.join(dir, "request.json");
  const term = new Terminal(
    "alga-offline-request",
    `node setup-tui/dist/cli/setup.js offline-request --install-code ${generateInstallCode()} --out ${out}`,
    { ALGA_STATE_DIR: path.join(dir, "state-1"), APPLIANCE_ID: "appl-7f3a9c2e41b05d86e913" },
    { columns: 100, rows: 70 },
  );
  const screen = await term.until("WIZARD-EXIT=0");
  const jws = JSON.parse(readFileSync(out, "utf8")).request as string;
  expect(decodeScreenQr(screen)).toBe(jws);
  expect(screen.replace(/\n/g, "")).toContain(`written to ${out}`);
  expect(screen.replace(/\s+/g, "")).toContain(jws);
});

it("the wizard without a network path: O, the request (QR and text), the response file, the password, done", async () => {
  const seeds = path.join(dir, "seeds");
  const term = new Terminal(
    "alga-offline-wizard",
    `node setup-tui/dist/cli/setup.js --output ${seeds}`,
    {
      ALGA_STATE_DIR: path.join(dir, "state-2"),
      ALGA_LICENSE_URL: closedUrl,
      APPLIANCE_ID: "appl-7f3a9c2e41b05d86e913",
      ALGA_VENDOR_KEYS: JSON.stringify(vendor.publicJwks()),
    },
    { columns: 100, rows: 70 },
  );
  await term.until("not reachable");
  term.keys("Enter");
  await term.until("Install code:");
  term.type(generateInstallCode());
  term.keys("Enter");
  await term.until("No network? Press O", 60_000);
  term.type("o");
  const shown = await term.until("Response file:");
  const request = readFileSync(path.join(seeds, "offline-request.json"), "utf8");
  expect(decodeScreenQr(shown)).toBe(JSON.parse(request).request);
  expect(shown).toContain("Scan the QR code above");
  const response = path.join(dir, "response.json");
  writeFileSync(response, await answerActivation(request, { keys: vendor }));
  term.type(response);
  term.keys("Enter");
  await term.until("Confirm password");
  term.type("Terminal-Pass-2026");
  term.keys("Enter");
  term.type("Terminal-Pass-2026");
  term.keys("Enter");
  await term.until("The appliance is bound to your organisation", 30_000);
  term.keys("Enter");
  await term.until("WIZARD-EXIT=0");
  expect(readFileSync(path.join(seeds, "appliance-license-seed.yaml"), "utf8")).toContain("APPLIANCE_KEY");
}, 120_000);
