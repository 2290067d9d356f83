// Time the appliance can trust. Every license and key document the vendor signs carries the service's
// time (iat); the appliance keeps the newest one it accepted as a floor (license_state.server_time_floor,
// and — so that lowering that one column is not enough — the iat of the signed documents it keeps):
// a clock set back revives nothing. A clock that is behind is measured against the service's answer
// (clock_skew_seconds) and reported; licenses are then judged by the service's time (verify.ts).
import { chainTip, type KeyChain } from "./chain.js";
import { CLOCK_TOLERANCE_SECONDS } from "./verify.js";

/** The newest server-signed time among a stored mark and signed artifacts (seconds or dates); null: none. */
export function timeFloor(...times: (Date | number | null | undefined)[]): Date | null {
  let newest: number | null = null;
  for (const t of times) {
    const ms = t instanceof Date ? t.getTime() : typeof t === "number" ? t * 1000 : null;
    if (ms !== null && Number.isFinite(ms) && (newest === null || ms > newest)) newest = ms;
  }
  return newest === null ? null : new Date(newest);
}

/** The floor from what license_state keeps: the stored mark and the verified chain's newest document. */
export const storedTimeFloor = (mark: Date | null | undefined, chain: KeyChain | null) => timeFloor(mark, chain ? chainTip(chain).issuedAt : null);

/**
 * The service's time as the appliance knows it: its clock, never earlier than the floor, and advanced
 * by the lag measured at the last check-in when the clock is behind.
 */
export function serviceTime(clock: Date, floor: Date | null, skewSeconds?: number | null): Date {
  return timeFloor(clock, floor, skewSeconds && skewSeconds > 0 ? clock.getTime() / 1000 + skewSeconds : null)!;
}

/** "3d 0h", "2h 5m", "40s" (rounded to the last unit shown) */
export function duration(seconds: number): string {
  const s = Math.abs(seconds);
  if (s >= 86_400 - 1800) {
    const h = Math.round(s / 3600);
    return `${Math.floor(h / 24)}d ${h % 24}h`;
  }
  if (s >= 3600 - 30) {
    const m = Math.round(s / 60);
    return `${Math.floor(m / 60)}h ${m % 60}m`;
  }
  const r = Math.round(s);
  return r >= 60 ? `${Math.floor(r / 60)}m ${r % 60}s` : `${r}s`;
}

/** What an operator is told about a measured skew (service time minus appliance clock), or null when it is within tolerance. */
export function skewWarning(skewSeconds: number | null | undefined): string | null {
  if (skewSeconds === null || skewSeconds === undefined || Math.abs(skewSeconds) <= CLOCK_TOLERANCE_SECONDS) return null;
  return skewSeconds > 0
    ? `this appliance's clock is ${duration(skewSeconds)} behind the license service's: licenses are judged by the service's time; set the clock right (NTP)`
    : `this appliance's clock is ${duration(skewSeconds)} ahead of the license service's: licenses look older than they are and expire early; set the clock right (NTP)`;
}
