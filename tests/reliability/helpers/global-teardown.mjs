import { readFileSync, rmSync } from "node:fs";

export default async function globalTeardown() {
  const own = globalThis.__algaReliabilityPostgres;
  await own?.db.stop();
  if (own) rmSync(own.dir, { recursive: true, force: true });
  const figures = process.env.RELIABILITY_FIGURES;
  // every probe's table once more, together, at the end of the run (what docs/RELIABILITY.md quotes)
  if (figures) process.stdout.write(`\n${readFileSync(figures, "utf8")}\n(figures file: ${figures})\n`);
}
