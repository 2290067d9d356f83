// The appliance's own identity key (Ed25519 public JWK): sent with an online redemption
// (RedeemInstallCodeInput.applianceKey) or carried in an offline request's header. Stored on the
// appliance row as canonical JSON with its RFC 7638 thumbprint; licenses are bound to it (cnf.jkt).
import { applianceKeyThumbprint, canonicalJson, OfflineFormatError, parseAppliancePublicKey, type AppliancePublicJwk } from "@alga-license/contract";
import { badInput } from "./errors.js";

export interface ApplianceKey {
  /** canonical JSON of the public JWK (kty, crv, x) */
  json: string;
  /** RFC 7638 thumbprint (SHA-256, base64url) */
  jkt: string;
}

export async function applianceKeyOf(jwk: AppliancePublicJwk): Promise<ApplianceKey> {
  return { json: canonicalJson({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }), jkt: await applianceKeyThumbprint(jwk) };
}

/** RedeemInstallCodeInput.applianceKey: BAD_USER_INPUT (field applianceKey) unless an Ed25519 public JWK. */
export async function parseApplianceKey(text: string): Promise<ApplianceKey> {
  try {
    return await applianceKeyOf(parseAppliancePublicKey(text, "applianceKey"));
  } catch (e) {
    if (e instanceof OfflineFormatError) throw badInput(e.message, "applianceKey");
    throw e;
  }
}
