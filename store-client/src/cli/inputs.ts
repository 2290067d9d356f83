// Checks and conversions of alga-store's flag values. Each throws a UsageError naming the flag (or the
// environment variable) the value came from.
import { readFileSync } from "node:fs";
import { parseBaseUrl, SettingError, UsageError } from "@alga-license/contract";
import type { Edition } from "../generated/graphql.js";

// bad usage: the message, then the usage text (exit 2); a wrong setting (URL, key file): its message
// alone says what to fix, without the usage text (exit 2)
export { SettingError, UsageError };

/** "2031-01-31" or an ISO date-time → ISO string */
export function isoDate(value: string, source: string): string {
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`${source} "${value}" is not a date: use YYYY-MM-DD or an ISO date-time such as 2031-01-31T12:00:00Z`);
  return d.toISOString();
}

export function positiveInt(value: string, source: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1) throw new UsageError(`${source} must be a positive whole number`);
  return n;
}

export function milliseconds(value: string, source: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new UsageError(`${source} must be a positive number of milliseconds`);
  return n;
}

export function paidEdition(value: string, source: string): Edition {
  const e = value.toUpperCase();
  if (e !== "PRO" && e !== "PREMIUM") throw new UsageError(`${source} must be pro or premium`);
  return e;
}

/** An enum value as the API spells it (the API itself refuses one it does not know, exit 2). */
export const upper = <T extends string>(value: string): T => value.toUpperCase() as T;

/** "active, installed" → ["ACTIVE", "INSTALLED"] */
export const upperList = <T extends string>(value: string): T[] =>
  value
    .split(",")
    .map((v) => v.trim().toUpperCase())
    .filter(Boolean) as T[];

/** A control plane base URL, checked here so a mistake is a usage error naming its source. */
export function baseUrl(value: string, source: string): string {
  try {
    return parseBaseUrl(value, source).href;
  } catch (err) {
    throw new SettingError((err as Error).message);
  }
}

/** The API key in a file (trimmed); an empty or unreadable file says why. */
export function keyFile(file: string, source: string): string {
  let key: string;
  try {
    key = readFileSync(file, "utf8").trim();
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new SettingError(`${source} ${file}: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (err as Error).message}`);
  }
  if (!key) throw new SettingError(`${source} ${file} is empty`);
  return key;
}

/** An offline request file's text (--request FILE; "-" reads stdin). */
export function requestFile(value: string, source: string): string {
  try {
    return readFileSync(value === "-" ? 0 : value, "utf8");
  } catch (e) {
    throw new SettingError(
      `${source} ${value}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): give the path of the request file the appliance wrote`,
    );
  }
}
