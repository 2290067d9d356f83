// Figures of a probe: counts and latency percentiles, printed as a Markdown table the moment a probe
// ends and collected in one file that the global teardown prints again (docs/RELIABILITY.md quotes it).
import { appendFileSync } from "node:fs";

/** A whole-number setting of the suite (RELIABILITY_<NAME>), so a slower machine can run smaller counts. */
export function setting(name: string, fallback: number): number {
  const raw = process.env[`RELIABILITY_${name}`];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`RELIABILITY_${name}="${raw}" is not a non-negative number`);
  return n;
}

export function percentile(values: number[], q: number): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

export const ms = (v: number) => `${Math.round(v)} ms`;
export const seconds = (v: number) => `${(v / 1000).toFixed(1)} s`;

/** Prints (and records) one table; `rows` are objects with the same keys, in column order. */
export function table(title: string, rows: Record<string, string | number>[], notes: string[] = []): void {
  const cols = Object.keys(rows[0] ?? {});
  const lines = [
    `\n### ${title}\n`,
    `| ${cols.join(" | ")} |`,
    `|${cols.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${cols.map((c) => String(r[c] ?? "")).join(" | ")} |`),
    ...(notes.length ? ["", ...notes] : []),
    "",
  ];
  const text = lines.join("\n");
  process.stdout.write(text);
  if (process.env.RELIABILITY_FIGURES) appendFileSync(process.env.RELIABILITY_FIGURES, text);
}

/** Tally of answer kinds ("ok", an error code, "HTTP 500", "network error"). */
export function tally(kinds: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of kinds) out[k] = (out[k] ?? 0) + 1;
  return out;
}

export const describeTally = (t: Record<string, number>) =>
  Object.entries(t)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
