// THE air-gapped life of an appliance against the real control plane, with no network path from the
// appliance tools to it (ALGA_LICENSE_URL points at a closed port): register → offline-request (CLI)
// → `alga-store activate-offline` (a process against the real API) → offline-apply → create-tenant → renewal-request
// with its seat report → `alga-store renew-offline` → import → a key rotation delivered inside a renewal → months
// later the expired appliance runs as ESSENTIALS, and a renewal restores it. The vendor's clock and the
// appliance's (ALGA_CLOCK_OFFSET_SECONDS) move together; the plane is restarted over the same database
// with the rotated signing keys.
import { createServer } from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { loadConfig } from "../api/src/config.js";
import { startControlPlane, type ControlPlane } from "../api/src/control-plane.js";
import { createApiKey } from "../api/src/domain/api-keys.js";
import { generateSigningKey, publicPart } from "../api/src/license/signing-keys.js";
import { createLogger } from "../api/src/log.js";
import { applianceDb, claimsOf, createTenantCli, licenseCli, licenseState, PASSWORD, setupCli } from "./helpers/appliance.js";
import { gqlRequest, REGISTER } from "./helpers/control-plane.js";
import { createScratchDatabase } from "./helpers/postgres.js";
import { run } from "./helpers/processes.js";

const DAY = 86_400;
const silent = createLogger("silent", new Writable({ write: (_c, _e, cb) => cb() }));
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

let databaseUrl: string;
let dropDb: () => Promise<void>;
let dataDir: string;
let port: number;
let closedUrl: string;
let plane: ControlPlane | undefined;
/** the vendor's clock is moved with the appliance's */
let offsetSeconds = 0;

beforeAll(async () => {
  const scratch = await createScratchDatabase();
  databaseUrl = scratch.url;
  dropDb = scratch.drop;
  dataDir = mkdtempSync(path.join(os.tmpdir(), "alga-offline-life-"));
  port = await freePort();
  closedUrl = `http://127.0.0.1:${await freePort()}`;
});
afterAll(async () => {
  await plane?.stop();
  await dropDb();
  rmSync(dataDir, { recursive: true, force: true });
});

async function startWith(keys: unknown[]) {
  await plane?.stop();
  const config = loadConfig({
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    MIGRATE_ON_START: "false",
    DATABASE_POOL_SIZE: "3",
    LICENSE_SIGNING_KEYS: JSON.stringify(keys),
    SERVER_SECRET: "offline-life-secret-offline-life-secret-0123456789",
  });
  plane = await startControlPlane(config, silent, { outboxWorker: false, clock: () => new Date(Date.now() + offsetSeconds * 1000) });
  return plane;
}

/** The vendor's side: `alga-store activate-offline / renew-offline` (a process) against the real API. */
async function vendorAnswers(kind: "activate" | "renew", requestFile: string, responseFile: string, token: string) {
  const r = await run(process.execPath, ["store-client/dist/cli/main.js", `${kind}-offline`, "--request", requestFile, "--out", responseFile, "--json"], {
    ALGA_LICENSE_URL: plane!.url,
    ALGA_LICENSE_API_KEY: token,
  });
  if (r.code !== 0) throw new Error(`alga-store ${kind}-offline failed (${r.code}): ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout);
}

const json = (r: { stdout: string }) => JSON.parse(r.stdout);

it("register → request → activateOffline → apply → create-tenant → renewals with seat reports → a rotation inside a renewal → expired to ESSENTIALS → a renewal restores it", async () => {
  const [a, b] = [(await generateSigningKey()).jwk, (await generateSigningKey()).jwk];
  let p = await startWith([a]);
  const store = (await createApiKey(p.services.db, "STORE", "offline-life")).key;
  const support = (await createApiKey(p.services.db, "SUPPORT", "offline-life")).key;
  const reg = (
    await gqlRequest<any>(p.url, REGISTER, { input: { companyName: "Air Gap AG", contactEmail: "ops@airgap.test", edition: "PRO" } }, { token: store })
  ).data.registerTenant;

  const dir = mkdtempSync(path.join(os.tmpdir(), "alga-offline-box-"));
  const f = (n: string) => path.join(dir, n);
  writeFileSync(f("pw"), PASSWORD);
  // the appliance: no path to the service, the vendor's key shipped with the image
  const env: Record<string, string> = {
    ALGA_STATE_DIR: f("state"),
    APPLIANCE_ID: "appl-airgap-1",
    ALGA_LICENSE_URL: closedUrl,
    ALGA_VENDOR_KEYS: JSON.stringify({ keys: [publicPart(a)] }),
  };
  try {
    const req = await setupCli(["offline-request", "--install-code", reg.installCode, "--out", f("request.json"), "--json"], env);
    expect(req.code).toBe(0);
    const activated = await vendorAnswers("activate", f("request.json"), f("response.json"), store);
    expect(activated).toMatchObject({ tenantId: reg.tenantId, edition: "PRO" });

    const applied = await setupCli(
      ["offline-apply", "--response", f("response.json"), "--admin-password-file", f("pw"), "--output", f("seeds"), "--json"],
      env,
    );
    expect(applied.code).toBe(0);
    expect(json(applied)).toMatchObject({
      ok: true,
      tenantId: reg.tenantId,
      edition: "PRO",
      licensed: true,
      applianceKeyThumbprint: json(req).applianceKeyThumbprint,
    });
    const db = await applianceDb();
    const appliance = { ...env, APPLIANCE_DATABASE_URL: db };
    const created = await createTenantCli(["--seed-dir", f("seeds"), "--json"], appliance);
    expect(created.code).toBe(0);
    expect(json(created)).toMatchObject({ status: "created", tenantId: reg.tenantId, edition: "PRO" });
    const installedState = await licenseState(db);
    expect(claimsOf(installedState.license_token).cnf).toEqual({ jkt: json(req).applianceKeyThumbprint });
    expect(json(await licenseCli(["status", "--json"], appliance))).toMatchObject({ edition: "PRO", verification: { result: "valid" } });

    // renewal 1 with the first seat report
    const r1 = await licenseCli(["renewal-request", "--out", f("renew-1.json"), "--json"], appliance);
    expect(r1.code).toBe(0);
    expect(json(r1).report).toMatchObject({ seq: 1, prev: null, edition: "PRO" });
    expect((await vendorAnswers("renew", f("renew-1.json"), f("renew-1.response.json"), support)).report).toEqual({ seq: 1, chain: "FIRST" });
    const i1 = await licenseCli(["import", "--file", f("renew-1.response.json"), "--json"], appliance);
    expect(i1.code).toBe(0);
    expect(json(i1)).toMatchObject({ ok: true, edition: "PRO", report: { seq: 1, chain: "FIRST" } });

    // the vendor rotates its signing key (b signs, a co-signs the hand-over): it arrives inside renewal 2
    p = await startWith([b, a]);
    await licenseCli(["renewal-request", "--out", f("renew-2.json")], appliance);
    expect((await vendorAnswers("renew", f("renew-2.json"), f("renew-2.response.json"), support)).report).toEqual({ seq: 2, chain: "OK" });
    const i2 = await licenseCli(["import", "--file", f("renew-2.response.json"), "--json"], appliance);
    expect(i2.code).toBe(0);
    expect(json(i2)).toMatchObject({ keysUpdated: true, vendorKeys: [b.kid, a.kid] });
    const status = json(await licenseCli(["status", "--json"], appliance));
    expect(status).toMatchObject({ edition: "PRO", verification: { result: "valid" }, vendorKeys: { kids: [b.kid, a.kid] } });
    expect(JSON.parse(Buffer.from((await licenseState(db)).license_token.split(".")[0], "base64url").toString()).kid).toBe(b.kid);

    // 40 days without a renewal: expired past the grace, the appliance runs as ESSENTIALS
    offsetSeconds = 40 * DAY;
    const later = { ...appliance, ALGA_CLOCK_OFFSET_SECONDS: String(offsetSeconds) };
    const expired = await licenseCli(["status", "--json"], later);
    expect(expired.code).toBe(4);
    expect(json(expired)).toMatchObject({ edition: "ESSENTIALS", verification: { result: "refused", reason: "EXPIRED" } });
    // and a renewal restores it
    const r3 = await licenseCli(["renewal-request", "--out", f("renew-3.json"), "--json"], later);
    expect(json(r3).report).toMatchObject({ seq: 3, edition: "ESSENTIALS" });
    expect((await vendorAnswers("renew", f("renew-3.json"), f("renew-3.response.json"), support)).report).toEqual({ seq: 3, chain: "OK" });
    expect((await licenseCli(["import", "--file", f("renew-3.response.json"), "--json"], later)).code).toBe(0);
    const restored = await licenseCli(["status", "--json"], later);
    expect(restored.code).toBe(0);
    expect(json(restored)).toMatchObject({ edition: "PRO", verification: { result: "valid" }, activation: { mode: "offline", renewalPending: false } });
    expect((await licenseCli(["status"], later)).stdout).toMatch(/activation: +offline: renewed by file/);

    // a replayed renewal request is refused by the vendor; the replayed response by the appliance
    const replayed = await gqlRequest<any>(
      p.url,
      `mutation R($input: RenewOfflineInput!) { renewOffline(input: $input) { response } }`,
      { input: { request: readFileSync(f("renew-3.json"), "utf8") } },
      { token: support },
    );
    expect(replayed.errors?.[0]?.extensions?.code).toBe("REPLAYED_OFFLINE_REQUEST");
    const again = await licenseCli(["import", "--file", f("renew-3.response.json"), "--json"], later);
    expect(again.code).toBe(11);
    expect(json(again).error.code).toBe("NO_PENDING_REQUEST");
  } finally {
    offsetSeconds = 0;
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
