#!/usr/bin/env node
// Regenerates docs/images/offline-qr.png: runs the compiled `alga-setup offline-request` in a real
// terminal (tmux, 100x64) with an example install code, captures the screen (the QR code, the text and
// the file written) and renders that text in a monospace page with headless Chromium.
// Run after `node build.mjs`: node scripts/offline-qr-png.mjs [out.png]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { generateInstallCode } from "../api/dist/domain/install-code.js";

const out = process.argv[2] ?? "docs/images/offline-qr.png";
const dir = mkdtempSync(path.join(os.tmpdir(), "alga-qr-png-"));
const session = `alga-qr-png-${process.pid}`;
const tmux = (...args) => execFileSync("tmux", args, { encoding: "utf8" });
try {
  const env = `ALGA_STATE_DIR=${dir}/state APPLIANCE_ID=appl-7f3a9c2e41b05d86e913`;
  // run in the scratch folder: the request file lands there and the screen names it as request.json
  const setup = path.join(process.cwd(), "setup-tui/dist/cli/setup.js");
  const command = `cd ${dir} && env -u CI ${env} node ${setup} offline-request --install-code ${generateInstallCode()} --out request.json; sleep 30`;
  tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "64", "-c", dir, command);
  let screen = "";
  for (let i = 0; i < 100 && !screen.includes("offline-apply --response"); i++) {
    await new Promise((r) => setTimeout(r, 100));
    screen = tmux("capture-pane", "-p", "-t", session);
  }
  if (!screen.includes("offline-apply --response")) throw new Error(`offline-request did not finish:\n${screen}`);
  screen = screen.replace(/\n+$/, "\n");
  const html = `<!doctype html><meta charset="utf-8"><style>
    body { margin: 0; background: #101418; }
    pre { margin: 0; padding: 16px 20px; color: #e8e8e8; font: 14px/1.0 "DejaVu Sans Mono", monospace; white-space: pre; }
  </style><pre>${screen.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</pre>`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
    await page.setContent(html);
    await page.locator("pre").screenshot({ path: out });
  } finally {
    await browser.close();
  }
  console.log(`wrote ${out}`);
} finally {
  try {
    tmux("kill-session", "-t", session);
  } catch {
    /* gone */
  }
  rmSync(dir, { recursive: true, force: true });
}
