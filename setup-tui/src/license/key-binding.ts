// Licenses bound to an appliance key (RFC 7800 confirmation claim cnf: { jkt }, the RFC 7638 thumbprint
// of the appliance's Ed25519 public key): an offline license always is, an online one when the
// redemption sent the key. A bound license is honoured only by the appliance holding that key: one
// copied to another machine, or answered for another appliance's request, is refused. This is the one
// place the rule lives; verify.ts applies it to every license the appliance accepts.
import { type JWK } from "jose";
import { parseApplianceKey } from "../appliance-key.js";

/** The jkt a license is bound to (null: unbound). */
export function boundThumbprint(cnf: unknown): string | null {
  if (!cnf || typeof cnf !== "object") return null;
  const jkt = (cnf as { jkt?: unknown }).jkt;
  return typeof jkt === "string" && jkt ? jkt : null;
}

/**
 * Why a license bound to `jkt` is not this appliance's (null: it is, or it is unbound).
 * own: this appliance key's thumbprint; null: this appliance has no key (installed before appliance keys).
 */
export function keyBindingProblem(jkt: string | null, own: string | null): string | null {
  if (!jkt || jkt === own) return null;
  return own
    ? `the license is bound to another appliance's key (jkt ${jkt}; this appliance's key is ${own}): it was issued for the machine that asked for it, refused`
    : `the license is bound to an appliance key (jkt ${jkt}) and this appliance has none: it was issued for the machine that asked for it, refused`;
}

/** The thumbprint of a kept private key (license_state.appliance_key); null when there is none or it is unreadable. */
export async function thumbprintOfKept(kept: unknown): Promise<string | null> {
  if (kept === null || kept === undefined) return null;
  try {
    return (await parseApplianceKey(kept as JWK | string, "license_state.appliance_key")).thumbprint;
  } catch {
    return null;
  }
}
