// The air-gapped exchange's formats (contract/src/offline): both sides build and parse the files with
// these functions, so the vectors are pinned and every refusal names its reason.
import { CompactSign, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import {
  applianceKeyThumbprint,
  canonicalJson,
  classifySeatReport,
  decodeOfflineResponseUnverified,
  generateApplianceKey,
  installCodeRequestDigest,
  nextSeatReport,
  offlineRequestFile,
  offlineResponseFile,
  OfflineFormatError,
  parseAppliancePublicKey,
  seatReportHash,
  signActivationRequest,
  signOfflineResponse,
  signRenewalRequest,
  verifyOfflineRequest,
  verifyOfflineResponse,
  type ActivationResponsePayload,
  type OfflineFormatErrorReason,
  type RenewalResponsePayload,
  type SeatReport,
} from "../../contract/src/offline/index.js";

const TENANT = "6f1c2f43-52f6-4a0b-9d7e-0a4c1b2d3e4f";
const CODE = "0123-4567-89AB-CDEF-GHJK";
const NOW = new Date("2026-12-02T12:00:00Z");

async function reason(p: Promise<unknown> | (() => unknown)): Promise<OfflineFormatErrorReason | "none"> {
  try {
    await (typeof p === "function" ? p() : p);
    return "none";
  } catch (e) {
    if (e instanceof OfflineFormatError) return e.reason;
    throw e;
  }
}

const report = (over: Partial<SeatReport> = {}): SeatReport => ({
  seq: 1,
  prev: null,
  from: "2026-11-01T00:00:00.000Z",
  until: "2026-12-01T00:00:00.000Z",
  edition: "PRO",
  version: "1.4.0",
  licensedUntil: "2026-12-10T00:00:00.000Z",
  clock: { applianceTime: "2026-12-01T00:00:00.000Z", serverTimeFloor: "2026-11-30T23:59:00.000Z", skewSeconds: 60 },
  ...over,
});

/** re-signs an edited payload with the same key (a "valid" request with a field of the wrong form) */
async function resign(jws: string, edit: (p: Record<string, unknown>) => void, key: JWK, typ = "alga-activation-request+jws"): Promise<string> {
  const p = JSON.parse(Buffer.from(jws.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;
  edit(p);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(p)))
    .setProtectedHeader({ alg: "EdDSA", typ, jwk: { kty: "OKP", crv: "Ed25519", x: key.x! } })
    .sign(await importJWK(key, "EdDSA"));
}

describe("canonical JSON and digests", () => {
  it.each([
    [{ b: 1, a: [3, { d: null, c: "x" }] }, '{"a":[3,{"c":"x","d":null}],"b":1}'],
    [{ z: undefined, y: "é\n" }, '{"y":"é\\n"}'],
    [[undefined, 1.5, true], "[null,1.5,true]"],
    ["text", '"text"'],
    [{ B: 1, a: 2, _: 3 }, '{"B":1,"_":3,"a":2}'],
  ])("canonicalJson(%j) = %s", (value, text) => expect(canonicalJson(value)).toBe(text));

  it("pins the install-code request digest and the RFC 8037 thumbprint", async () => {
    expect(installCodeRequestDigest(CODE.replace(/-/g, ""))).toBe("kN_svWDSDfW5bJS7W4huWWuj8XOfvnU8QsC4L86bCCw");
    // RFC 8037 appendix A.3
    expect(await applianceKeyThumbprint({ kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" })).toBe(
      "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
    );
  });

  it.each([
    ['{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}', "ok"],
    ['{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}', "private"],
    ['{"kty":"EC","crv":"P-256","x":"a","y":"b"}', "Ed25519"],
    ['{"kty":"OKP","crv":"Ed25519","x":"short"}', "32-byte"],
    ["not json", "not JSON"],
    [`{"kty":"OKP","crv":"Ed25519","x":"${"A".repeat(600)}"}`, "longer than 512"],
  ])("parseAppliancePublicKey(%s) → %s", (text, expected) => {
    if (expected === "ok") expect(parseAppliancePublicKey(text)).toEqual({ kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" });
    else expect(() => parseAppliancePublicKey(text)).toThrow(expected);
  });
});

describe("request files", () => {
  it("round-trips an activation request as a file, a bare JWS and wrapped pasted text", async () => {
    const key = await generateApplianceKey();
    const { jws, file, payload } = await signActivationRequest({
      privateKey: key,
      applianceId: "box-1",
      installCode: CODE.toLowerCase(),
      tool: "alga-setup/1.4.0",
      now: NOW,
    });
    expect(payload).toMatchObject({
      ver: 1,
      kind: "activation",
      applianceId: "box-1",
      iat: NOW.getTime() / 1000,
      codeDigest: installCodeRequestDigest(CODE.replace(/-/g, "")),
    });
    expect(payload.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(JSON.parse(file)).toEqual({ format: "alga-offline-request", ver: 1, kind: "activation", request: jws });
    expect(file.endsWith("}\n")).toBe(true);
    const jkt = await applianceKeyThumbprint(key);
    for (const text of [file, jws, jws.replace(/(.{60})/g, "$1\n")]) {
      const v = await verifyOfflineRequest(text, { kind: "activation", maxAgeSeconds: 30 * 86400, now: NOW });
      expect(v).toMatchObject({ kind: "activation", payload, jkt, publicJwk: { kty: "OKP", crv: "Ed25519", x: key.x } });
    }
  });

  it("round-trips a renewal request with its report", async () => {
    const key = await generateApplianceKey();
    const { file, payload } = await signRenewalRequest({
      privateKey: key,
      applianceId: "box-1",
      tenantId: TENANT,
      tool: "alga-license/1.4.0",
      licenseJti: "j-1",
      report: report(),
      now: NOW,
    });
    const v = await verifyOfflineRequest(file, { kind: "renewal" });
    expect(v.payload).toEqual(payload);
    expect(v.payload.report.clock.skewSeconds).toBe(60);
  });

  it.each<
    [string, (ctx: { key: JWK; jws: string; file: string }) => Promise<string> | string, OfflineFormatErrorReason, Parameters<typeof verifyOfflineRequest>[1]?]
  >([
    [
      "edited payload",
      ({ jws }) => {
        const [h, p, s] = jws.split(".");
        const body = JSON.parse(Buffer.from(p!, "base64url").toString());
        body.applianceId = "box-2";
        return `${h}.${Buffer.from(JSON.stringify(body)).toString("base64url")}.${s}`;
      },
      "BAD_SIGNATURE",
    ],
    [
      "signature of another key",
      async ({ jws }) => {
        const other = await generateApplianceKey();
        const [h] = jws.split(".");
        const forged = (await signActivationRequest({ privateKey: other, applianceId: "box-1", installCode: CODE, tool: "t" })).jws.split(".");
        return `${h}.${forged[1]}.${forged[2]}`;
      },
      "BAD_SIGNATURE",
    ],
    ["truncated file", ({ file }) => file.slice(0, 40), "MALFORMED"],
    ["random text", () => "hello world", "MALFORMED"],
    ["a response file", ({ jws }) => offlineResponseFile("activation", jws), "WRONG_FORMAT"],
    ["another JSON file", () => '{"format":"something","ver":1}', "WRONG_FORMAT"],
    ["a newer file version", ({ file }) => file.replace('"ver": 1', '"ver": 2'), "NEWER_VERSION"],
    [
      "a newer payload version",
      ({ jws, key }) =>
        resign(
          jws,
          (p) => {
            p.ver = 2;
          },
          key,
        ),
      "NEWER_VERSION",
    ],
    ["file kind differs from the signed kind", ({ jws }) => offlineRequestFile("renewal", jws), "WRONG_KIND"],
    ["a renewal expected", ({ file }) => file, "WRONG_KIND", { kind: "renewal" }],
    [
      "a nonce of the wrong form",
      ({ jws, key }) =>
        resign(
          jws,
          (p) => {
            p.nonce = "abc";
          },
          key,
        ),
      "INVALID_PAYLOAD",
    ],
    [
      "no code digest",
      ({ jws, key }) =>
        resign(
          jws,
          (p) => {
            delete p.codeDigest;
          },
          key,
        ),
      "INVALID_PAYLOAD",
    ],
    [
      "a bad appliance id",
      ({ jws, key }) =>
        resign(
          jws,
          (p) => {
            p.applianceId = "../etc";
          },
          key,
        ),
      "INVALID_PAYLOAD",
    ],
    ["31 days old", ({ file }) => file, "STALE", { maxAgeSeconds: 30 * 86400, now: new Date(NOW.getTime() + 31 * 86400_000) }],
    ["29 days old", ({ file }) => file, "none" as OfflineFormatErrorReason, { maxAgeSeconds: 30 * 86400, now: new Date(NOW.getTime() + 29 * 86400_000) }],
    ["two days ahead", ({ file }) => file, "FUTURE", { maxAgeSeconds: 30 * 86400, now: new Date(NOW.getTime() - 2 * 86400_000) }],
    [
      "signed with ES256",
      async () => {
        const { privateKey, publicKey } = await generateKeyPair("ES256");
        return new CompactSign(new TextEncoder().encode("{}"))
          .setProtectedHeader({ alg: "ES256", typ: "alga-activation-request+jws", jwk: await exportJWK(publicKey) })
          .sign(privateKey);
      },
      "BAD_SIGNATURE",
    ],
  ])("refuses %s", async (...row) => {
    const [, make, expected, opts] = row; // (a rest parameter: jest takes a 4th declared one for done)
    const key = await generateApplianceKey();
    const { jws, file } = await signActivationRequest({ privateKey: key, applianceId: "box-1", installCode: CODE, tool: "alga-setup/1.4.0", now: NOW });
    expect(await reason(verifyOfflineRequest(await make({ key: key as unknown as JWK, jws, file }), opts))).toBe(expected);
  });

  it("says a newer file comes from a newer tool", async () => {
    const key = await generateApplianceKey();
    const { file } = await signActivationRequest({ privateKey: key, applianceId: "box-1", installCode: CODE, tool: "t" });
    await expect(verifyOfflineRequest(file.replace('"ver": 1', '"ver": 3'))).rejects.toThrow(/newer tool/);
  });
});

describe("response files", () => {
  async function vendorKey() {
    const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const pub = { ...(await exportJWK(publicKey)), kid: "k1", alg: "EdDSA", use: "sig" };
    return { signer: { key: privateKey, alg: "EdDSA", kid: "k1" }, pub };
  }
  const keysDoc = { payload: "e30", signatures: [{ protected: "e30", signature: "sig" }] };
  const license = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJib3gtMSJ9.c2ln";
  const activation = (over: Partial<ActivationResponsePayload> = {}): ActivationResponsePayload => ({
    ver: 1,
    kind: "activation",
    nonce: "AAAAAAAAAAAAAAAAAAAAAA",
    applianceId: "box-1",
    jkt: "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
    tenantId: TENANT,
    companyName: "Acme",
    adminEmail: "it@acme.test",
    edition: "PRO",
    redeemedAt: NOW.toISOString(),
    license,
    keys: keysDoc,
    credential: "cred",
    checkInUrl: "https://license.test/graphql",
    iat: NOW.getTime() / 1000,
    ...over,
  });
  const renewal: RenewalResponsePayload = {
    ver: 1,
    kind: "renewal",
    nonce: "BBBBBBBBBBBBBBBBBBBBBB",
    applianceId: "box-1",
    jkt: "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
    tenantId: TENANT,
    edition: "PREMIUM",
    license,
    keys: keysDoc,
    iat: NOW.getTime() / 1000,
    report: { seq: 3, chain: "GAP" },
  };

  it("round-trips activation and renewal responses, checked against the pending request", async () => {
    const { signer, pub } = await vendorKey();
    for (const payload of [activation(), renewal]) {
      const { jws, file } = await signOfflineResponse(payload, signer);
      expect(JSON.parse(file)).toEqual({ format: "alga-offline-response", ver: 1, kind: payload.kind, response: jws });
      const v = await verifyOfflineResponse(file, {
        keys: { keys: [pub] },
        kind: payload.kind,
        expect: { nonce: payload.nonce, applianceId: "box-1", jkt: payload.jkt },
      });
      expect(v).toMatchObject({ kind: payload.kind, payload, kid: "k1", alg: "EdDSA" });
      expect(decodeOfflineResponseUnverified(jws).payload).toEqual(payload);
    }
  });

  it.each<[string, (jws: string, file: string) => string, OfflineFormatErrorReason, Partial<Parameters<typeof verifyOfflineResponse>[1]>?]>([
    ["another appliance's response", (_j, f) => f, "WRONG_APPLIANCE", { expect: { applianceId: "box-2" } }],
    ["a response bound to another key", (_j, f) => f, "WRONG_KEY", { expect: { jkt: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo0" } }],
    ["the answer to an earlier request", (_j, f) => f, "WRONG_NONCE", { expect: { nonce: "CCCCCCCCCCCCCCCCCCCCCC" } }],
    [
      "an edited response",
      (j) => {
        const [h, p, s] = j.split(".");
        const body = JSON.parse(Buffer.from(p!, "base64url").toString());
        body.edition = "PREMIUM";
        return `${h}.${Buffer.from(JSON.stringify(body)).toString("base64url")}.${s}`;
      },
      "BAD_SIGNATURE",
    ],
    ["a key it does not trust", (_j, f) => f, "UNKNOWN_KEY", { keys: [] }],
    ["a request file", (j) => offlineRequestFile("activation", j), "WRONG_FORMAT"],
    ["a renewal expected", (_j, f) => f, "WRONG_KIND", { kind: "renewal" }],
  ])("refuses %s", async (_name, make, expected, opts = {}) => {
    const { signer, pub } = await vendorKey();
    const { jws, file } = await signOfflineResponse(activation(), signer);
    expect(await reason(verifyOfflineResponse(make(jws, file), { keys: [pub], ...opts }))).toBe(expected);
  });

  it("refuses an activation request handed over as a response", async () => {
    const key = await generateApplianceKey();
    const { jws } = await signActivationRequest({ privateKey: key, applianceId: "box-1", installCode: CODE, tool: "t" });
    await expect(verifyOfflineResponse(jws, { keys: [] })).rejects.toThrow(/request, not a response/);
  });
});

describe("seat report chain", () => {
  const r1 = report();
  const r2 = nextSeatReport(r1, { ...report(), from: r1.until, until: "2027-01-01T00:00:00.000Z" });
  const r3 = nextSeatReport(r2, { ...report(), from: r2.until, until: "2027-02-01T00:00:00.000Z" });

  it("chains by the canonical hash of the previous report", () => {
    expect(r2).toMatchObject({ seq: 2, prev: seatReportHash(r1) });
    // key order does not change the hash
    const shuffled = Object.fromEntries(Object.entries(r1).reverse()) as unknown as SeatReport;
    expect(seatReportHash(shuffled)).toBe(seatReportHash(r1));
    expect(nextSeatReport({ seq: 2, hash: seatReportHash(r2) }, report()).prev).toBe(r3.prev);
  });

  it.each<[string, SeatReport, { seq: number; hash: string } | null, boolean, string]>([
    ["first report", r1, null, false, "FIRST"],
    ["next report", r2, { seq: 1, hash: seatReportHash(r1) }, false, "OK"],
    ["a report missing", r3, { seq: 1, hash: seatReportHash(r1) }, false, "GAP"],
    ["a chain started elsewhere", r2, null, false, "GAP"],
    ["a restarted chain", r1, { seq: 2, hash: seatReportHash(r2) }, false, "GAP"],
    ["a report sent twice", r2, { seq: 2, hash: seatReportHash(r2) }, true, "REPLAYED"],
  ])("%s → %s", (_n, rep, last, seen, chain) => expect(classifySeatReport(rep, last, seen)).toBe(chain));
});
