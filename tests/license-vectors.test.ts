// The license format (docs/LICENSE-FORMAT.md) checked from both ends: the committed conformance vectors
// are what scripts/license-vectors.mjs generates; every vector gets its expected verdict from the
// appliance's own verifier (setup-tui/src/license/verify.ts) and from an independent one — the Python
// script the docs show (scripts/verify-license.py, PyJWT from Debian's python3-jwt); and that script
// verifies a real license and key hand-over document from a running control plane.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { calculateJwkThumbprint, decodeProtectedHeader, type JWK } from "jose";
import { acceptKeyHandover, verifyLicense, type VendorKeys } from "../setup-tui/src/license/index.js";
import { REDEEM, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { register } from "./helpers/appliance.js";

const run = promisify(execFile);
const VECTORS = "tests/fixtures/license-vectors";
const SCRIPT = "scripts/verify-license.py";
/** Debian's python3 (where python3-jwt installs PyJWT), unless PYTHON names another */
const PYTHON = process.env.PYTHON ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");

type Verdict = { ok: true; state?: "valid" | "in-grace" } | { ok: false; reason: string };
type Jwks = { keys: JWK[] };
interface LicenseVector {
  name: string;
  kind: "license";
  token: string;
  verify: { issuer: string; tenant: string; appliance: string; now: number; graceSeconds: number; keys: Jwks };
  expected: Verdict;
}
interface DocumentVector {
  name: string;
  kind: "key-document";
  document: unknown;
  verify: { trusted: Jwks; pinnedIat: number | null; now: number };
  expected: Verdict;
}
type Vector = LicenseVector | DocumentVector;

const vectors: Vector[] = readdirSync(VECTORS)
  .filter((f) => f.endsWith(".json") && f !== "test-keys.json")
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(VECTORS, f), "utf8")) as Vector);

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "alga-vectors-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The verdict of the project's verifier, in the vectors' terms. */
async function projectVerdict(v: Vector): Promise<Verdict> {
  if (v.kind === "license") {
    const keys: VendorKeys = { issuer: v.verify.issuer, issuedAt: 0, keys: v.verify.keys.keys, document: { payload: "", signatures: [] } };
    const r = await verifyLicense(v.token, {
      keys,
      tenantId: v.verify.tenant,
      applianceId: v.verify.appliance,
      now: new Date(v.verify.now * 1000),
      graceSeconds: v.verify.graceSeconds,
    });
    return r.ok ? { ok: true, state: r.state } : { ok: false, reason: r.reason };
  }
  const trusted = v.verify.trusted.keys;
  const pinned: VendorKeys | null =
    v.verify.pinnedIat === null ? null : { issuer: "", issuedAt: v.verify.pinnedIat, keys: trusted, document: { payload: "", signatures: [] } };
  try {
    await acceptKeyHandover(v.document, { pinned, anchors: pinned ? null : trusted, reference: new Date(v.verify.now * 1000) });
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: (err as { reason?: string }).reason ?? String(err) };
  }
}

/** Runs the docs' Python verifier; its JSON answer. */
async function python(args: string[]): Promise<Record<string, any>> {
  const { stdout } = await run(PYTHON, [SCRIPT, ...args]).catch((err: { code?: number; stdout?: string; stderr?: string }) => {
    if (err.code === 1 && err.stdout) return { stdout: err.stdout };
    throw new Error(`${PYTHON} ${SCRIPT} failed (python3-jwt installed?): ${err.stderr ?? String(err)}`);
  });
  return JSON.parse(stdout) as Record<string, any>;
}

const file = (name: string, content: unknown) => {
  const p = path.join(scratch, name);
  writeFileSync(p, typeof content === "string" ? content : JSON.stringify(content));
  return p;
};

async function pythonVerdict(v: Vector): Promise<Verdict> {
  const o =
    v.kind === "license"
      ? await python([
          "license",
          file(`${v.name}.jwt`, v.token),
          "--keys",
          file(`${v.name}.keys.json`, v.verify.keys),
          "--issuer",
          v.verify.issuer,
          "--tenant",
          v.verify.tenant,
          "--appliance",
          v.verify.appliance,
          "--now",
          String(v.verify.now),
          "--grace",
          String(v.verify.graceSeconds),
        ])
      : await python([
          "keys",
          file(`${v.name}.doc.json`, v.document),
          "--trusted",
          file(`${v.name}.trusted.json`, v.verify.trusted),
          "--now",
          String(v.verify.now),
          ...(v.verify.pinnedIat === null ? [] : ["--pinned-iat", String(v.verify.pinnedIat)]),
        ]);
  if (!o.ok) return { ok: false, reason: o.reason as string };
  return v.kind === "license" ? { ok: true, state: o.state as "valid" | "in-grace" } : { ok: true };
}

it("the committed vectors are what scripts/license-vectors.mjs generates, and cover the refusals", async () => {
  const out = path.join(scratch, "regenerated");
  cpSync(path.join(VECTORS, "test-keys.json"), path.join(out, "test-keys.json"));
  await run(process.execPath, ["scripts/license-vectors.mjs", "--out", out]);
  const committed = readdirSync(VECTORS).sort();
  expect(readdirSync(out).sort()).toEqual(committed);
  for (const f of committed) expect([f, readFileSync(path.join(out, f), "utf8")]).toEqual([f, readFileSync(path.join(VECTORS, f), "utf8")]);
  const reasons = new Set(vectors.map((v) => (v.expected.ok ? `${v.kind}:ok` : `${v.kind}:${v.expected.reason}`)));
  for (const r of [
    "license:ok",
    "license:EXPIRED",
    "license:WRONG_TENANT",
    "license:MALFORMED",
    "license:BAD_SIGNATURE",
    "license:UNKNOWN_KEY",
    "license:NOT_YET_VALID",
    "key-document:ok",
    "key-document:UNTRUSTED",
    "key-document:FUTURE",
    "key-document:OUTDATED",
  ]) {
    expect(reasons).toContain(r);
  }
  expect(vectors.map((v) => v.name)).toEqual(
    expect.arrayContaining(["alg-none", "hs256-with-public-key", "tampered-payload", "unknown-kid", "keys-future-dated"]),
  );
});

describe.each(vectors.map((v) => [v.name, v] as const))("vector %s", (_name, v) => {
  it("the appliance's verifier reaches the expected verdict", async () => {
    expect(await projectVerdict(v)).toEqual(v.expected);
  });
  it("the Python verifier of the docs reaches the same verdict", async () => {
    expect(await pythonVerdict(v)).toEqual(v.expected);
  });
});

it("docs/LICENSE-FORMAT.md shows the Python verifier exactly as scripts/verify-license.py has it", () => {
  const doc = readFileSync("docs/LICENSE-FORMAT.md", "utf8");
  const block = /```python\n([\s\S]*?)```/.exec(doc)?.[1];
  expect(block).toBe(readFileSync(SCRIPT, "utf8"));
});

describe("a real license from a running control plane", () => {
  let t: TestPlane;
  beforeAll(async () => {
    t = await startTestPlane();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("the Python script verifies the key hand-over document and the license it signed, with the documented claims", async () => {
    const { tenantId, installCode } = await register(t, "PRO");
    const redeemed = await t.gql(REDEEM, { input: { installCode, applianceId: "python-box" } });
    const token = redeemed.data?.redeemInstallCode.firstJwt as string;
    expect(token).toMatch(/^ey/);

    const docRes = await fetch(`${t.url}/.well-known/license-keys.jws`);
    const jwksRes = await fetch(`${t.url}/.well-known/jwks.json`);
    expect([docRes.headers.get("cache-control"), jwksRes.headers.get("cache-control")]).toEqual(["public, max-age=300", "public, max-age=300"]);
    const doc = await docRes.text();
    const jwks = (await jwksRes.json()) as Jwks;

    // trust on first use: the document signed by its own keys
    const docPath = file("real.doc.json", doc);
    const keys = await python(["keys", docPath, "--trusted", docPath]);
    expect(keys).toMatchObject({ ok: true, issuer: t.url });
    expect((keys.keys as JWK[]).map((k) => k.kid)).toEqual(jwks.keys.map((k) => k.kid));

    const verified = await python([
      "license",
      file("real.jwt", token),
      "--keys",
      docPath,
      "--issuer",
      t.url,
      "--tenant",
      tenantId,
      "--appliance",
      "python-box",
    ]);
    expect(verified).toMatchObject({
      ok: true,
      state: "valid",
      claims: { iss: t.url, aud: tenantId, sub: "python-box", edition: "PRO", features: ["MOBILE_ACCESS", "SSO", "EXTENSIONS"] },
    });
    const c = verified.claims as Record<string, number | string>;
    expect(typeof c.jti).toBe("string");
    expect(Number(c.exp) - Number(c.iat)).toBeLessThanOrEqual(30 * 24 * 3600);

    // the header: EdDSA, typ JWT, kid = the key's RFC 7638 thumbprint
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: "EdDSA", typ: "JWT" });
    expect(header.kid).toBe(await calculateJwkThumbprint(jwks.keys[0]!));

    // and another tenant's id is refused by the same script
    expect(
      await python(["license", file("real.jwt", token), "--keys", docPath, "--issuer", t.url, "--tenant", "00000000-0000-4000-8000-000000000001"]),
    ).toMatchObject({ ok: false, reason: "WRONG_TENANT" });
  });
});
