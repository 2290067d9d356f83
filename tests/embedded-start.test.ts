// The README path on a fresh data folder: `npm start` with no DATABASE_URL runs on the embedded
// PostgreSQL, migrates itself, and the whole store -> appliance -> check-in flow works over HTTP.
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CHECK_IN, gqlRequest, REDEEM, REGISTER } from "./helpers/control-plane.js";
import { run, startProcess, type Running } from "./helpers/processes.js";

let dataDir: string;
let api: Running;
const env = () => ({ DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", DATABASE_URL: "", LOG_LEVEL: "info" });

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "alga-embedded-"));
  chmodSync(dataDir, 0o755); // as root, the embedded PostgreSQL runs as the postgres user
  api = startProcess("npm", ["start", "--silent"], env());
}, 120_000);
afterAll(async () => {
  await api.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it("starts, creates an API key from the CLI, runs the whole flow, and shuts down gracefully", async () => {
  const [, url] = await api.waitForOutput(/alga-license API: (http:\/\/[^\s]+)\/graphql/, 120_000);
  expect(api.output()).toContain("No API key exists yet");
  expect(api.output()).toContain("npm run api-key -- create --role admin");
  expect((await fetch(`${url}/readyz`)).status).toBe(200);

  const created = await run("npm", ["run", "--silent", "api-key", "--", "create", "--role", "store", "--name", "web-store"], env());
  expect(created.code).toBe(0);
  const key = created.stdout.trim().split("\n").at(-1)!;
  expect(key).toMatch(/^alk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
  const listed = await run("npm", ["run", "--silent", "api-key", "--", "list"], env());
  expect(listed.stdout).toContain("web-store");
  expect(listed.stdout).not.toContain(key);

  const reg = await gqlRequest<any>(url!, REGISTER, { input: { companyName: "Local Co", contactEmail: "me@local.test", edition: "PRO" } }, { token: key });
  expect(reg.errors).toBeUndefined();
  const { tenantId, installCode, downloadUrl } = reg.data.registerTenant;
  expect(downloadUrl).toContain(`${url}/downloads/`);
  expect((await fetch(downloadUrl)).status).toBe(404); // signed link is valid; no ISO placed in DATA_DIR/iso yet
  expect((await fetch(downloadUrl.replace(/signature=\w+/, "signature=" + "0".repeat(64)))).status).toBe(403);

  const red = await gqlRequest<any>(url!, REDEEM, { input: { installCode, applianceId: "local-box" } });
  expect(red.data.redeemInstallCode).toMatchObject({ tenantId, edition: "PRO", checkInUrl: `${url}/graphql` });
  const chk = await gqlRequest<any>(url!, CHECK_IN, { input: { applianceId: "local-box" } }, { token: red.data.redeemInstallCode.applianceCredential });
  expect(chk.data.checkIn.tenantId).toBe(tenantId);

  // the email landed in the local outbox folder
  const outbox = path.join(dataDir, "outbox");
  for (let i = 0; i < 50 && !(existsSync(outbox) && readdirSync(outbox).length); i++) await new Promise((r) => setTimeout(r, 100));
  expect(readdirSync(outbox).filter((f) => f.endsWith(".eml"))).toHaveLength(1);

  // no secret reached the log
  for (const secret of [key, installCode, red.data.redeemInstallCode.applianceCredential, chk.data.checkIn.token]) {
    expect(api.output()).not.toContain(secret);
  }

  await api.stop("SIGTERM"); // (npm itself dies of the signal; the API exit code is checked on node api/dist/main.js)
  expect(api.output()).toMatch(/"msg":"stopped"/);
}, 180_000);

it("a second npm start on the same data folder stops at once, says who holds it, and leaves the running API intact", async () => {
  // the first test stopped its API: start again on the same (now existing) data folder
  api = startProcess("npm", ["start", "--silent"], env());
  const [, url] = await api.waitForOutput(/alga-license API: (http:\/\/[^\s]+)\/graphql/, 120_000);
  const second = await run("npm", ["start", "--silent"], env());
  expect(second.code).toBe(2);
  expect(second.stderr).toMatch(/is in use by npm start \(alga-license API\) \(pid \d+, started /);
  expect(second.stderr).not.toMatch(/EADDRINUSE|\n\s+at /);
  // the running API and its connection file are untouched: the CLI still reaches it
  expect((await fetch(`${url}/readyz`)).status).toBe(200);
  const created = await run("npm", ["run", "--silent", "api-key", "--", "create", "--role", "support"], env());
  expect(created.code).toBe(0);
  const key = created.stdout.trim().split("\n").at(-1)!;
  const res = await gqlRequest<any>(url!, "{ tenants(first: 1) { totalCount } }", {}, { token: key });
  expect(res.errors).toBeUndefined();
}, 180_000);
