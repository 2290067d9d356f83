// Field checks for signed payloads: each failure is INVALID_PAYLOAD naming the field.
import { OfflineFormatError } from "./errors.js";

export type Obj = Record<string, unknown>;

const bad = (field: string, what: string) => new OfflineFormatError("INVALID_PAYLOAD", `${field}: ${what}`, field);
const B64URL = /^[A-Za-z0-9_-]+$/;
const APPLIANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function obj(v: unknown, field: string): Obj {
  if (!v || typeof v !== "object" || Array.isArray(v)) throw bad(field, "must be an object");
  return v as Obj;
}
export function str(o: Obj, k: string, max = 200, prefix = ""): string {
  const v = o[k];
  if (typeof v !== "string" || v.length === 0 || v.length > max) throw bad(prefix + k, `must be a string of 1-${max} characters`);
  return v;
}
export function strOrNull(o: Obj, k: string, max = 200, prefix = ""): string | null {
  return o[k] === null ? null : str(o, k, max, prefix);
}
export function int(o: Obj, k: string, min = 0, prefix = ""): number {
  const v = o[k];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) throw bad(prefix + k, `must be an integer ≥ ${min}`);
  return v;
}
export function intOrNull(o: Obj, k: string, prefix = ""): number | null {
  const v = o[k];
  if (v === null) return null;
  if (typeof v !== "number" || !Number.isSafeInteger(v)) throw bad(prefix + k, "must be an integer or null");
  return v;
}
export function b64url(o: Obj, k: string, len?: number, prefix = ""): string {
  const v = str(o, k, 512, prefix);
  if (!B64URL.test(v) || (len !== undefined && v.length !== len)) throw bad(prefix + k, `must be base64url${len ? ` of ${len} characters` : ""}`);
  return v;
}
export function b64urlOrNull(o: Obj, k: string, len?: number, prefix = ""): string | null {
  return o[k] === null ? null : b64url(o, k, len, prefix);
}
export function iso(o: Obj, k: string, prefix = ""): string {
  const v = str(o, k, 40, prefix);
  if (!ISO.test(v) || Number.isNaN(Date.parse(v))) throw bad(prefix + k, "must be an ISO 8601 date-time");
  return v;
}
export function isoOrNull(o: Obj, k: string, prefix = ""): string | null {
  return o[k] === null ? null : iso(o, k, prefix);
}
export function oneOf<T extends string>(o: Obj, k: string, values: readonly T[], prefix = ""): T {
  const v = o[k];
  if (typeof v !== "string" || !values.includes(v as T)) throw bad(prefix + k, `must be one of ${values.join(", ")}`);
  return v as T;
}
export function applianceId(o: Obj, k = "applianceId"): string {
  const v = str(o, k, 128);
  if (!APPLIANCE_ID.test(v)) throw bad(k, "must be 1-128 characters of letters, digits, '.', '_', ':' or '-'");
  return v;
}
export function uuid(o: Obj, k: string): string {
  const v = str(o, k, 36);
  if (!UUID.test(v)) throw bad(k, "must be a UUID");
  return v.toLowerCase();
}
/** base64url of 16 bytes */
export const NONCE_LENGTH = 22;
/** base64url of a SHA-256 digest */
export const DIGEST_LENGTH = 43;
