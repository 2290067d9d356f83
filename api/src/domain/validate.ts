// Input checks shared by the mutations; each failure is BAD_USER_INPUT naming the field.
// (NUL and lone surrogates are refused for every string argument at the edge already: http/input-text.ts.)
import { isApplianceId, isUuid } from "@alga-license/contract";
import { badInput } from "./errors.js";

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
// C0/C1 controls, DEL, line/paragraph separators, bidi overrides: names end up in emails and terminals
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Text a person typed: trimmed, not empty, no control characters, at most max characters. */
export function requireText(value: string, field: string, max = 200): string {
  const v = value.trim();
  if (!v) throw badInput(`${field} must not be empty`, field);
  if (CONTROL.test(v)) throw badInput(`${field} must not contain control characters (line breaks, tabs, escape codes)`, field);
  if (!v.isWellFormed()) throw badInput(`${field} is not valid text (it contains a lone UTF-16 surrogate)`, field);
  if (v.length > max) throw badInput(`${field} must be at most ${max} characters`, field);
  return v;
}

export function optionalText(value: string | null | undefined, field: string, max = 200): string | undefined {
  return value == null || value.trim() === "" ? undefined : requireText(value, field, max);
}

export function requireEmail(value: string, field = "contactEmail"): string {
  const v = requireText(value, field, 254).toLowerCase();
  if (!EMAIL.test(v)) throw badInput(`${field} is not a valid email address`, field);
  return v;
}

export function requireUuid(value: string, field: string): string {
  if (!isUuid(value.trim())) throw badInput(`${field} must be a UUID`, field);
  return value.trim().toLowerCase();
}

export function requireApplianceId(value: string): string {
  const v = value.trim();
  if (!isApplianceId(v)) {
    throw badInput("applianceId must be 1-128 characters of letters, digits, '.', '_', ':' or '-'", "applianceId");
  }
  return v;
}

/** How many items a list argument asks for: negative is refused (as the tenants connection does), beyond max is capped. */
export function listSize(value: number | null | undefined, field: string, fallback: number, max: number): number {
  if (value == null) return fallback;
  if (!Number.isInteger(value) || value < 0) throw badInput(`${field} must be a non-negative integer (at most ${max} are returned)`, field);
  return Math.min(value, max);
}

export { isUuid };
