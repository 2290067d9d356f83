// Conformance vectors for license verifiers in any language (docs/LICENSE-FORMAT.md): licenses and key
// hand-over documents with the verdict a verifier must reach, written to tests/fixtures/license-vectors/.
//
//   node scripts/license-vectors.mjs [--out DIR]
//
// Built with jose directly from the format's rules (not with the control plane's signing code), at a
// fixed time, with the test keys of DIR/test-keys.json (created on the first run; they sign nothing but
// these vectors). EdDSA and RS256 signatures are deterministic, so a run reproduces the committed files
// byte for byte (tests/license-vectors.test.ts checks it).
import { createHmac, createPrivateKey, createHash, generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { calculateJwkThumbprint, CompactSign, GeneralSign, importJWK } from "jose";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outArg = process.argv.indexOf("--out");
const out = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : path.join(root, "tests/fixtures/license-vectors");

/** the verification time of every vector: 2026-12-01T00:00:00Z */
const NOW = 1796083200;
const HOUR = 3600;
const DAY = 24 * HOUR;
const GRACE = 72 * HOUR;
const ISSUER = "https://license.vendor.test";
const TENANT = "7d9c1f0e-5a4b-4c3d-9e2f-1a2b3c4d5e6f";
const APPLIANCE = "box-1";
const KEYS_TYPE = "alga-license-keys+jws";
const FEATURES = { PRO: ["MOBILE_ACCESS", "SSO", "EXTENSIONS"], PREMIUM: ["MOBILE_ACCESS", "SSO", "EXTENSIONS", "ADVANCED_WORKFLOWS", "PRIORITY_SUPPORT"] };

// ---- the test keys ---------------------------------------------------------------------------------

/** An Ed25519 private JWK from a fixed seed (RFC 8410 PKCS#8 prefix + 32 bytes). */
function ed25519(label) {
  const seed = createHash("sha256").update(`alga-license conformance vector key ${label}`).digest();
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  return createPrivateKey({ key: der, format: "der", type: "pkcs8" }).export({ format: "jwk" });
}

async function testKeys() {
  const file = path.join(out, "test-keys.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8"));
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
  const keys = { vendor: ed25519("vendor"), successor: ed25519("successor"), attacker: ed25519("attacker"), rsa };
  for (const [name, jwk] of Object.entries(keys)) {
    jwk.alg = name === "rsa" ? "RS256" : "EdDSA";
    jwk.kid = await calculateJwkThumbprint(jwk);
    jwk.use = "sig";
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(file, JSON.stringify({ note: "test keys of the conformance vectors only: never a vendor key", keys }, null, 2) + "\n");
  return { keys };
}

const { keys: K } = await testKeys();
const PRIVATE = ["d", "p", "q", "dp", "dq", "qi"];
const pub = (jwk) => Object.fromEntries(Object.entries(jwk).filter(([k]) => !PRIVATE.includes(k)));
const jwks = (...ks) => ({ keys: ks.map(pub) });

// ---- signing ---------------------------------------------------------------------------------------

const b64 = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

async function sign(jwk, payload, header = {}) {
  const key = await importJWK(jwk, jwk.alg);
  return new CompactSign(Buffer.from(JSON.stringify(payload))).setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: "JWT", ...header }).sign(key);
}

const claims = (o = {}) => ({
  iss: ISSUER,
  sub: APPLIANCE,
  aud: TENANT,
  edition: "PRO",
  features: FEATURES.PRO,
  iat: NOW - HOUR,
  exp: NOW - HOUR + 30 * DAY,
  jti: "0b6f1a52-3c1d-4f7e-9a8b-2c3d4e5f6a7b",
  ...o,
});

async function keyDocument(signers, payload, header = {}) {
  const jws = new GeneralSign(Buffer.from(JSON.stringify(payload)));
  for (const s of signers) jws.addSignature(await importJWK(s, s.alg)).setProtectedHeader({ alg: s.alg, kid: s.kid, typ: KEYS_TYPE, ...header });
  return jws.sign();
}

// ---- the vectors -----------------------------------------------------------------------------------

const licenseCheck = (o = {}) => ({ issuer: ISSUER, tenant: TENANT, appliance: APPLIANCE, now: NOW, graceSeconds: GRACE, keys: jwks(K.vendor, K.rsa), ...o });
const valid = { ok: true, state: "valid" };
const refused = (reason) => ({ ok: false, reason });

const vectors = [];
const license = (name, description, token, expected, check = {}) =>
  vectors.push({ name, kind: "license", description, token, verify: licenseCheck(check), expected });
const document = (name, description, doc, expected, verify) =>
  vectors.push({ name, kind: "key-document", description, document: doc, verify: { now: NOW, pinnedIat: null, ...verify }, expected });

const good = await sign(K.vendor, claims());
license("valid-eddsa", "a PRO license signed with the pinned Ed25519 key, 30 days long, issued an hour ago (format version 1 without ver)", good, valid);
license("valid-ver-1", "the same with the format version claim ver: 1, as new tokens carry it", await sign(K.vendor, claims({ ver: 1 })), valid);
license("valid-rs256", "signed with a pinned RSA key (RS256)", await sign(K.rsa, claims({ edition: "PREMIUM", features: FEATURES.PREMIUM })), valid);
license(
  "valid-key-binding",
  "bound to the appliance's key (cnf.jkt, RFC 7800): a verifier that knows no appliance key accepts it",
  await sign(K.vendor, claims({ ver: 1, cnf: { jkt: await calculateJwkThumbprint(pub(K.successor)) } })),
  valid,
);
license("valid-aud-list", "aud as a list that holds the tenant id", await sign(K.vendor, claims({ aud: [TENANT] })), valid);
license(
  "valid-clock-behind",
  "issued a day ahead of the verifier's clock, less than its lifetime: the clock is behind, judged at iat",
  await sign(K.vendor, claims({ iat: NOW + DAY, exp: NOW + 31 * DAY })),
  valid,
);
license("in-grace", "expired an hour ago: within the 72-hour offline grace", await sign(K.vendor, claims({ iat: NOW - 30 * DAY - HOUR, exp: NOW - HOUR })), {
  ok: true,
  state: "in-grace",
});
license(
  "expired",
  "expired 73 hours ago: past the offline grace",
  await sign(K.vendor, claims({ iat: NOW - 33 * DAY, exp: NOW - 73 * HOUR })),
  refused("EXPIRED"),
);
license(
  "future-beyond-lifetime",
  "issued 40 days ahead of the clock, more than its 30-day lifetime",
  await sign(K.vendor, claims({ iat: NOW + 40 * DAY, exp: NOW + 70 * DAY })),
  refused("NOT_YET_VALID"),
);
license("wrong-aud", "another tenant's license", await sign(K.vendor, claims({ aud: "00000000-0000-4000-8000-000000000001" })), refused("WRONG_TENANT"));
license("wrong-sub", "another appliance's license", await sign(K.vendor, claims({ sub: "box-2" })), refused("WRONG_APPLIANCE"));
license("wrong-iss", "issued by another issuer with a pinned key", await sign(K.vendor, claims({ iss: "https://other.vendor.test" })), refused("WRONG_ISSUER"));
license("missing-jti", "no jti", await sign(K.vendor, (({ jti: _jti, ...c }) => c)(claims())), refused("MALFORMED"));
license("unknown-edition", "an edition no verifier knows", await sign(K.vendor, claims({ edition: "ULTIMATE" })), refused("MALFORMED"));
const [h, p] = good.split(".");
license("alg-none", "header alg none, no signature", `${b64({ alg: "none", kid: K.vendor.kid, typ: "JWT" })}.${p}.`, refused("MALFORMED"));
{
  // the classic confusion: HMAC-SHA256 keyed with the verifier's public key (its JWK's x, and its JSON)
  const header = b64({ alg: "HS256", kid: K.vendor.kid, typ: "JWT" });
  const body = b64(claims({ edition: "PREMIUM", features: FEATURES.PREMIUM }));
  const mac = createHmac("sha256", Buffer.from(K.vendor.x, "base64url")).update(`${header}.${body}`).digest("base64url");
  license("hs256-with-public-key", "HS256 with the vendor's public key as the HMAC secret", `${header}.${body}.${mac}`, refused("MALFORMED"));
}
license(
  "tampered-payload",
  "a valid token whose payload was changed to PREMIUM, signature kept",
  `${h}.${b64(claims({ edition: "PREMIUM", features: FEATURES.PREMIUM }))}.${good.split(".")[2]}`,
  refused("BAD_SIGNATURE"),
);
license(
  "forged-signature",
  "signed by another key under the pinned key's kid",
  await sign({ ...K.attacker, kid: K.vendor.kid }, claims()),
  refused("BAD_SIGNATURE"),
);
license("unknown-kid", "signed by a key that is not pinned", await sign(K.attacker, claims()), refused("UNKNOWN_KEY"));
license("not-a-jwt", "three parts that are not base64url JSON", "not.a.token", refused("MALFORMED"));

const handover = (keys, iat = NOW - HOUR) => ({ iss: ISSUER, iat, keys: keys.map(pub) });
document(
  "keys-rotation",
  "the hand-over of a rotation: vendor and successor keys, signed by both; trusted: the vendor key",
  await keyDocument([K.successor, K.vendor], handover([K.successor, K.vendor])),
  { ok: true },
  { trusted: jwks(K.vendor), pinnedIat: NOW - DAY },
);
document(
  "keys-first-use",
  "a document checked against keys shipped with the appliance (its root)",
  await keyDocument([K.vendor], handover([K.vendor])),
  { ok: true },
  { trusted: jwks(K.vendor) },
);
document("keys-untrusted", "signed only by a key the appliance does not trust", await keyDocument([K.attacker], handover([K.attacker])), refused("UNTRUSTED"), {
  trusted: jwks(K.vendor),
});
document(
  "keys-future-dated",
  "dated an hour ahead of the verifier's clock (more than the five minutes tolerated)",
  await keyDocument([K.vendor], handover([K.vendor], NOW + HOUR)),
  refused("FUTURE"),
  { trusted: jwks(K.vendor) },
);
document(
  "keys-outdated",
  "older than the document the appliance pinned",
  await keyDocument([K.vendor], handover([K.vendor], NOW - 2 * DAY)),
  refused("OUTDATED"),
  { trusted: jwks(K.vendor), pinnedIat: NOW - DAY },
);
document(
  "keys-wrong-typ",
  "signed by the trusted key but typed JWT, not a key hand-over",
  await keyDocument([K.vendor], handover([K.vendor]), { typ: "JWT" }),
  refused("MALFORMED"),
  { trusted: jwks(K.vendor) },
);
document(
  "keys-private-material",
  "a key with its private part in the document",
  await keyDocument([K.vendor], { ...handover([K.vendor]), keys: [K.vendor] }),
  refused("MALFORMED"),
  { trusted: jwks(K.vendor) },
);
{
  const doc = await keyDocument([K.vendor], handover([K.vendor]));
  document(
    "keys-tampered",
    "a signed document whose key list was replaced afterwards",
    { ...doc, payload: b64(handover([K.attacker])) },
    refused("UNTRUSTED"),
    { trusted: jwks(K.vendor) },
  );
}
document(
  "keys-compact",
  "a compact JWS instead of the General JSON serialization",
  { jws: await sign(K.vendor, handover([K.vendor]), { typ: KEYS_TYPE }) },
  refused("MALFORMED"),
  { trusted: jwks(K.vendor) },
);

mkdirSync(out, { recursive: true });
for (const f of readdirSync(out)) if (f.endsWith(".json") && f !== "test-keys.json") rmSync(path.join(out, f));
for (const v of vectors) writeFileSync(path.join(out, `${v.name}.json`), JSON.stringify(v, null, 2) + "\n");
console.log(`${vectors.length} vectors in ${path.relative(process.cwd(), out) || "."}`);
