// npm run bench:sql — the statements each scenario sends PostgreSQL, from the API and from the baseline,
// side by side: what keeps bench/baseline/sql.ts in step with the API after the API changes. Uses
// PostgreSQL's log_statement on the scratch database and reads the server's log file (BENCH_PG_LOG,
// default the Debian cluster's log), so it needs a local server whose log this user can read. Each
// statement is attributed by its session (the log line's [pid], matched to pg_stat_activity's
// application_name), not by when it was logged: the API's outbox worker polls on its own, and its
// UPDATE logged while the baseline answers belongs to the API, never to the baseline.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { createApiKey } from "../api/src/domain/api-keys.js";
import { generateSigningKey } from "../api/src/license/signing-keys.js";
import { createScratchDatabase } from "./database.js";
import { SCENARIOS } from "./options.js";
import { startApi, startBaseline, type Server } from "./processes.js";
import { requestsOf } from "./scenarios.js";
import { seedFleet, seedInstallCodes, seedRegistry } from "./seed.js";

const adminUrl = process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const db = await createScratchDatabase(adminUrl);
const dataDir = mkdtempSync(path.join(os.tmpdir(), "alga-bench-sql-"));
const pool = new pg.Pool({ connectionString: db.url, max: 2, application_name: "alga-bench-capture" });
/** backend pid → the server its session belongs to (by application_name), remembered once seen */
const owners = new Map<number, Server["name"] | "capture">();
const ownerOf = (applicationName: string): Server["name"] | "capture" | undefined =>
  applicationName.startsWith("alga-bench-baseline")
    ? "baseline"
    : applicationName.startsWith("alga-license")
      ? "api"
      : applicationName === "alga-bench-capture"
        ? "capture"
        : undefined;
async function learnSessions(): Promise<void> {
  const { rows } = await pool.query<{ pid: number; application_name: string }>(
    `SELECT pid, application_name FROM pg_stat_activity WHERE datname = current_database()`,
  );
  for (const r of rows) {
    const owner = ownerOf(r.application_name);
    if (owner) owners.set(r.pid, owner);
  }
}
const servers: Server[] = [];
try {
  const major = (await pool.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v.slice(0, 2);
  const logFile = process.env.BENCH_PG_LOG ?? `/var/log/postgresql/postgresql-${major}-main.log`;
  const shared = {
    databaseUrl: db.url,
    serverSecret: randomBytes(32).toString("base64url"),
    signingKeys: JSON.stringify([(await generateSigningKey()).jwk]),
    dataDir,
  };
  // migrate, then log every statement of the sessions opened from now on
  await (await startApi(shared)).stop();
  await pool.query(`ALTER DATABASE ${db.name} SET log_statement = 'all'`);
  await seedRegistry(pool, 1000);
  await seedFleet(pool, 10);
  const codes = await seedInstallCodes(pool, shared.serverSecret, 10);
  const inputs = {
    checkInPool: 10,
    codes: { next: () => codes.shift() },
    storeKey: (await createApiKey(pool, "STORE", "bench-sql")).key,
    supportKey: (await createApiKey(pool, "SUPPORT", "bench-sql")).key,
    searchText: "Quantum Harbor",
    runId: randomBytes(3).toString("hex"),
  };
  servers.push(await startApi(shared, { MIGRATE_ON_START: "false" }), await startBaseline(shared));
  const statements = (from: number) =>
    readFileSync(logFile)
      .subarray(from)
      .toString()
      .split("\n")
      .filter((l) => l.includes(`@${db.name} LOG:`) && /LOG:\s+(statement|execute)/.test(l))
      .map((l) => ({
        pid: Number(/\[(\d+)\]/.exec(l)?.[1] ?? 0),
        text: l
          .replace(/^.*?LOG:\s+(statement: |execute [^:]*: )/, "")
          .replace(/\s+/g, " ")
          .slice(0, 160),
      }));
  for (const scenario of SCENARIOS) {
    const next = requestsOf(scenario, inputs);
    for (const server of servers) {
      // twice: the first call of a kind may warm caches (API key last-used bookkeeping)
      for (const round of [1, 2]) {
        const from = statSync(logFile).size;
        const r = next();
        const res = await fetch(`${server.url}/graphql`, { method: "POST", headers: r.headers, body: r.body });
        const body = await res.text();
        await new Promise((resolve) => setTimeout(resolve, 300));
        if (round === 1) continue;
        await learnSessions();
        const all = statements(from);
        // this server's sessions; a session not seen in pg_stat_activity (closed already) is marked "?"
        const lines = all.filter((l) => (owners.get(l.pid) ?? server.name) === server.name).map((l) => `${owners.has(l.pid) ? "" : "? "}${l.text}`);
        const others = all.filter((l) => owners.has(l.pid) && owners.get(l.pid) !== server.name && owners.get(l.pid) !== "capture");
        console.log(`\n== ${scenario} — ${server.name}: ${lines.length} statements${body.includes('"errors"') ? ` (answer: ${body.slice(0, 200)})` : ""}`);
        for (const l of lines) console.log(`   ${l}`);
        if (others.length)
          console.log(
            `   (meanwhile ${others.length} statement(s) of the ${others
              .map((o) => owners.get(o.pid))
              .filter((v, i, a) => a.indexOf(v) === i)
              .join(", ")}'s own sessions, e.g. its outbox worker: not this server's)`,
          );
      }
    }
  }
} finally {
  await pool.end();
  for (const s of servers) await s.stop();
  await db.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
