#!/usr/bin/env python3
"""Verify an alga-license license, or a key hand-over document, with PyJWT (Debian: python3-jwt).

  verify-license.py license TOKEN --keys KEYS --issuer ISS --tenant TENANT_ID [--appliance ID]
                    [--now SECONDS] [--grace SECONDS] [--jkt THUMBPRINT]
  verify-license.py keys DOCUMENT --trusted KEYS [--pinned-iat SECONDS] [--now SECONDS]

TOKEN and DOCUMENT are file paths ("-" reads stdin). KEYS is a file holding a JWKS, a JWK list, one JWK,
or a key hand-over document (its payload's keys are used: verify the document first). Prints one JSON
object: {"ok": true, ...} (exit 0) or {"ok": false, "reason": ..., "message": ...} (exit 1).
The rules are docs/LICENSE-FORMAT.md's; the reasons are those of the appliance's own verifier.
"""
import argparse
import base64
import json
import sys
import time

import jwt
from jwt.exceptions import InvalidSignatureError

ALGORITHMS = ["EdDSA", "ES256", "ES384", "RS256"]
KEYS_TYPE = "alga-license-keys+jws"
CLOCK_TOLERANCE = 300  # seconds a key document may be dated ahead
EDITIONS = ["ESSENTIALS", "PRO", "PREMIUM"]
FORMAT_VERSION = 1
PRIVATE_PARTS = ["d", "p", "q", "dp", "dq", "qi", "k", "oth"]


class Refused(Exception):
    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


def b64json(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def read(path):
    return (sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()).strip()


def load_keys(text):
    data = json.loads(text)
    if isinstance(data, dict) and "signatures" in data and "payload" in data:
        data = b64json(data["payload"])["keys"]  # a key hand-over document
    elif isinstance(data, dict) and "keys" in data:
        data = data["keys"]
    keys = data if isinstance(data, list) else [data]
    for k in keys:
        if not isinstance(k, dict) or "kty" not in k or "kid" not in k:
            raise Refused("MALFORMED", "every vendor key needs kty and kid")
        if any(p in k for p in PRIVATE_PARTS):
            raise Refused("MALFORMED", f"vendor key {k['kid']} carries private key material")
    return keys


def verify_jws(compact, keys):
    """The header and payload of a compact JWS signed by one of keys (picked by kid)."""
    try:
        header = jwt.get_unverified_header(compact)
    except jwt.PyJWTError:
        raise Refused("MALFORMED", "not a well-formed signed token")
    if header.get("alg") not in ALGORITHMS:
        raise Refused("MALFORMED", f"algorithm {header.get('alg')!r} is not allowed")
    key = next((k for k in keys if k["kid"] == header.get("kid")), None)
    if key is None:
        raise Refused("UNKNOWN_KEY", f"signed by a key that is not trusted (kid {header.get('kid')})")
    if key.get("alg", header["alg"]) != header["alg"]:
        raise Refused("MALFORMED", f"key {key['kid']} is for {key.get('alg')}, not {header['alg']}")
    try:
        signed = jwt.api_jws.decode_complete(compact, jwt.PyJWK(key, header["alg"]).key, algorithms=[header["alg"]])
    except InvalidSignatureError:
        raise Refused("BAD_SIGNATURE", "the signature does not verify")
    except jwt.PyJWTError as e:
        raise Refused("MALFORMED", f"not a well-formed signed token ({e})")
    return header, signed["payload"]


def verify_license(token, keys, issuer, tenant, appliance=None, now=None, grace=72 * 3600, jkt=None):
    header, payload = verify_jws(token, keys)
    try:
        c = json.loads(payload)
    except ValueError:
        raise Refused("MALFORMED", "the claims are not JSON")
    ver = c.get("ver", 1)
    if not isinstance(ver, int) or isinstance(ver, bool) or ver < 1:
        raise Refused("MALFORMED", "the format version (ver) is not a positive whole number")
    if ver > FORMAT_VERSION:
        raise Refused("UNSUPPORTED_VERSION", f"format version {ver} is newer than this verifier ({FORMAT_VERSION})")
    if not all(isinstance(c.get(n), int) for n in ("exp", "iat")) or not all(isinstance(c.get(n), str) for n in ("sub", "jti")) or c.get("edition") not in EDITIONS:
        raise Refused("MALFORMED", "the license lacks exp, iat, sub, jti or a known edition")
    if c.get("iss") != issuer:
        raise Refused("WRONG_ISSUER", f"issued by {c.get('iss')}, not by {issuer}")
    if tenant not in (c["aud"] if isinstance(c.get("aud"), list) else [c.get("aud")]):
        raise Refused("WRONG_TENANT", f"for tenant {c.get('aud')}, not {tenant}")
    if appliance and c["sub"] != appliance:
        raise Refused("WRONG_APPLIANCE", f"for appliance {c['sub']}, not {appliance}")
    if "cnf" in c and jkt is not None and (c["cnf"] or {}).get("jkt") != jkt:
        raise Refused("WRONG_KEY", "bound to another appliance key (cnf.jkt)")
    clock = int(time.time()) if now is None else now
    if c["iat"] - clock > max(CLOCK_TOLERANCE, c["exp"] - c["iat"]):
        raise Refused("NOT_YET_VALID", "issued further ahead of this clock than its lifetime")
    judged = max(clock, c["iat"])
    if judged < c["exp"]:
        return {"ok": True, "state": "valid", "claims": c, "kid": header.get("kid")}
    if judged < c["exp"] + grace:
        return {"ok": True, "state": "in-grace", "claims": c, "kid": header.get("kid")}
    raise Refused("EXPIRED", "expired, and its offline grace has ended")


def verify_key_document(text, trusted, pinned_iat=None, now=None):
    try:
        doc = json.loads(text)
        payload = b64json(doc["payload"])
        signatures = doc["signatures"]
        assert isinstance(signatures, list) and signatures
    except (ValueError, KeyError, TypeError, AssertionError):
        raise Refused("MALFORMED", "not a General JWS key hand-over document")
    if not isinstance(payload.get("iss"), str) or not payload["iss"] or not isinstance(payload.get("iat"), int) or not payload.get("keys"):
        raise Refused("MALFORMED", "the document must carry iss, iat and a non-empty list of keys")
    keys = load_keys(json.dumps(payload["keys"]))
    header = None
    for s in signatures:
        try:
            header, _ = verify_jws(f"{s.get('protected', '')}.{doc['payload']}.{s.get('signature', '')}", trusted)
            break
        except Refused:
            continue
    if header is None:
        raise Refused("UNTRUSTED", "not signed by a trusted key")
    if header.get("typ") != KEYS_TYPE:
        raise Refused("MALFORMED", f"typ is {header.get('typ')}, not {KEYS_TYPE}")
    if pinned_iat is not None and payload["iat"] < pinned_iat:
        raise Refused("OUTDATED", "older than the pinned document")
    if payload["iat"] > (int(time.time()) if now is None else now) + CLOCK_TOLERANCE:
        raise Refused("FUTURE", "dated ahead of this clock")
    return {"ok": True, "issuer": payload["iss"], "iat": payload["iat"], "keys": keys}


def main():
    p = argparse.ArgumentParser(description="Verify an alga-license license or key hand-over document.")
    sub = p.add_subparsers(dest="what", required=True)
    lic = sub.add_parser("license")
    lic.add_argument("token")
    lic.add_argument("--keys", required=True)
    lic.add_argument("--issuer", required=True)
    lic.add_argument("--tenant", required=True)
    lic.add_argument("--appliance")
    lic.add_argument("--now", type=int)
    lic.add_argument("--grace", type=int, default=72 * 3600)
    lic.add_argument("--jkt")
    kd = sub.add_parser("keys")
    kd.add_argument("document")
    kd.add_argument("--trusted", required=True)
    kd.add_argument("--pinned-iat", type=int)
    kd.add_argument("--now", type=int)
    a = p.parse_args()
    try:
        if a.what == "license":
            out = verify_license(read(a.token), load_keys(read(a.keys)), a.issuer, a.tenant, a.appliance, a.now, a.grace, a.jkt)
        else:
            out = verify_key_document(read(a.document), load_keys(read(a.trusted)), a.pinned_iat, a.now)
    except Refused as e:
        print(json.dumps({"ok": False, "reason": e.reason, "message": str(e)}))
        return 1
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
