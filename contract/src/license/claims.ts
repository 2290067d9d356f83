// The license token's claims, defined once: the control plane writes them (buildLicenseClaims), the
// appliance reads them (parseLicenseClaims, after the signature verified). A license is a JWT signed
// with one of LICENSE_ALGORITHMS:
//
//   iss       the vendor's issuer URL (the appliance pins it with the vendor keys)
//   aud       the tenant id (UUID)            sub   the appliance id
//   iat, exp  issued / expires (seconds)      jti   the license id (UUID)
//   ver       the format version (LICENSE_FORMAT_VERSION); a token without it is version 1
//   edition   one of EDITIONS                 features  EDITION_FEATURES[edition]
//   cnf       optional (RFC 7800): { jkt } the RFC 7638 thumbprint of the appliance key the license is
//             bound to; an appliance refuses a bound license whose jkt is not its own key's
//
// A token of a newer format than these tools know is refused, never half understood.
import { isEdition, EDITION_FEATURES, type LicenseEdition } from "./editions.js";

/** The license format these tools write and read. Raise it only for a change older readers must refuse. */
export const LICENSE_FORMAT_VERSION = 1;

/** Signature algorithms a vendor key may sign licenses and key documents with (EdDSA by default). */
export const LICENSE_ALGORITHMS: readonly string[] = ["EdDSA", "ES256", "ES384", "RS256"];

/** RFC 7800 confirmation: the key a license is bound to, as its RFC 7638 SHA-256 thumbprint. */
export interface LicenseConfirmation {
  jkt: string;
}

/** The claims of a license token. */
export interface LicenseClaims {
  iss: string;
  /** the appliance id */
  sub: string;
  /** the tenant id */
  aud: string;
  /** the format version (1 for tokens issued before the claim existed) */
  ver: number;
  edition: LicenseEdition;
  features: string[];
  iat: number;
  exp: number;
  jti: string;
  cnf?: LicenseConfirmation;
  /** the signing key's id, from the protected header (not a claim; set by the verifier) */
  kid?: string;
}

/** What the control plane licenses: the domain's terms, turned into claims by buildLicenseClaims. */
export interface LicenseGrant {
  tenantId: string;
  applianceId: string;
  edition: LicenseEdition;
  jti: string;
  issuedAt: Date;
  expiresAt: Date;
  /** the appliance key's RFC 7638 thumbprint, when the appliance's key is known: the license is bound to it (cnf) */
  applianceKeyThumbprint?: string | null;
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/** The claims the control plane signs for a grant. */
export function buildLicenseClaims(g: LicenseGrant, issuer: string): Omit<LicenseClaims, "kid"> {
  return {
    iss: issuer,
    sub: g.applianceId,
    aud: g.tenantId,
    ver: LICENSE_FORMAT_VERSION,
    edition: g.edition,
    features: [...EDITION_FEATURES[g.edition]],
    iat: seconds(g.issuedAt),
    exp: seconds(g.expiresAt),
    jti: g.jti,
    ...(g.applianceKeyThumbprint ? { cnf: { jkt: g.applianceKeyThumbprint } } : {}),
  };
}

/**
 * MALFORMED: a claim is missing or of the wrong type.
 * UNSUPPORTED_VERSION: the token's format is newer than these tools: they must be updated.
 */
export type ClaimsProblem = "MALFORMED" | "UNSUPPORTED_VERSION";

export type ParsedClaims =
  | { ok: true; claims: LicenseClaims; /** every aud value (a JWT may carry a list) */ audiences: string[] }
  | { ok: false; problem: ClaimsProblem; message: string };

const JKT = /^[A-Za-z0-9_-]{43}$/;

/** The message for a token of a newer format (also shown by the tools' status output). */
export const unsupportedVersionMessage = (ver: number) =>
  `the license is of format version ${ver}, newer than these appliance tools understand (version ${LICENSE_FORMAT_VERSION}): ` +
  "update the appliance tools (the alga-setup image), then run the check-in again; refused";

/**
 * The claims of a license whose signature verified (the payload, parsed JSON). Shape only: whether
 * the issuer, tenant, appliance and times fit is the verifier's decision. Never throws.
 */
export function parseLicenseClaims(payload: unknown): ParsedClaims {
  const malformed = (message: string): ParsedClaims => ({ ok: false, problem: "MALFORMED", message });
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) return malformed("the license's claims are not a JSON object: refused");
  const c = payload as Record<string, unknown>;
  // the version first: a newer format may have changed anything below
  const ver = c.ver === undefined ? 1 : c.ver;
  if (typeof ver !== "number" || !Number.isInteger(ver) || ver < 1)
    return malformed(`the license's format version (ver) ${JSON.stringify(c.ver)} is not a positive whole number: refused`);
  if (ver > LICENSE_FORMAT_VERSION) return { ok: false, problem: "UNSUPPORTED_VERSION", message: unsupportedVersionMessage(ver) };
  if (typeof c.exp !== "number" || typeof c.iat !== "number" || typeof c.sub !== "string" || typeof c.jti !== "string" || !isEdition(c.edition)) {
    return malformed("the license lacks exp, iat, sub, jti or a known edition: refused");
  }
  const audiences = (Array.isArray(c.aud) ? c.aud : [c.aud]).map(String);
  const features = Array.isArray(c.features) ? c.features.filter((f): f is string => typeof f === "string") : [];
  let cnf: LicenseConfirmation | undefined;
  if (c.cnf !== undefined) {
    const jkt = (c.cnf as { jkt?: unknown } | null)?.jkt;
    if (typeof jkt !== "string" || !JKT.test(jkt)) return malformed("the license's key binding (cnf) carries no key thumbprint (jkt): refused");
    cnf = { jkt };
  }
  const claims: LicenseClaims = {
    // not checked here: a wrong (or missing) issuer is the verifier's WRONG_ISSUER
    iss: String(c.iss),
    sub: c.sub,
    aud: audiences[0] ?? "",
    ver,
    edition: c.edition,
    features,
    iat: c.iat,
    exp: c.exp,
    jti: c.jti,
    ...(cnf ? { cnf } : {}),
  };
  return { ok: true, claims, audiences };
}
