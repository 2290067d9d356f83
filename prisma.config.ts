// Prisma CLI configuration: JS/WASM schema engine over the pg driver adapter, so migrations run
// offline (no native engine download). It carries workarounds for three upstream defects of the JS schema engine
// (catalog column types, shadow database naming, shadow database drop), each described where it sits below.
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";

const root = path.dirname(fileURLToPath(import.meta.url));

// The CLI wants a native query engine because of the Pothos generator; the client never loads one.
process.env.PRISMA_QUERY_ENGINE_LIBRARY ??= path.join(root, "prisma/query-engine.placeholder");

// prisma/orm#27403: the JS schema engine reads catalog columns (name, "char", oidvector, regproc, ...)
// that the adapter cannot map. Report them as text. CLI only; the app never loads this file.
const CATALOG_TYPE_IDS = new Set([18, 19, 22, 24, 30, 194, 2205]);
const ResultProto = (pg as unknown as { Result: { prototype: { addFields(fields: { dataTypeID: number }[]): void } } }).Result.prototype;
const addFields = ResultProto.addFields;
ResultProto.addFields = function (fields) {
  for (const f of fields) if (CATALOG_TYPE_IDS.has(f.dataTypeID)) f.dataTypeID = 25;
  return addFields.call(this, fields);
};

// The WASM schema engine arms 10 s timers it never clears, so `migrate deploy` lingered 10 s after
// "All migrations have been successfully applied" (a fresh embedded start took 15 s, 10 of them
// waiting). Long timers do not hold the CLI open: whatever is still in progress has a socket open.
const armTimer = globalThis.setTimeout;
globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const timer = armTimer(fn, ms, ...args);
  if ((ms ?? 0) >= 5000) timer.unref();
  return timer;
}) as typeof setTimeout;

/** Drops the shadow database only after its pool has closed (upstream drops it while connected). */
class MigrationAdapter extends PrismaPg {
  constructor(private readonly poolConfig: pg.PoolConfig) {
    super(poolConfig);
  }
  override async connectToShadowDb() {
    const adapter = await super.connectToShadowDb();
    const internal = adapter as unknown as { client: pg.Pool; release?: () => Promise<void> };
    const shadowName = internal.client.options.database;
    internal.release = async () => {
      await internal.client.end();
      const admin = new pg.Client(this.poolConfig);
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS "${shadowName}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    };
    return adapter;
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join(root, "prisma/schema.prisma"),
  migrations: { path: path.join(root, "prisma/migrations") },
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set (npm start migrates the embedded database itself)");
    // the compiled module (npm run build): the API image ships api/dist, not the sources
    const compiled = "./api/dist/db/connection-options.js";
    const { poolConfigFromUrl } = (await import(compiled)) as typeof import("./api/src/db/connection-options.js");
    // allowExitOnIdle: the CLI exits when done instead of waiting out the idle pool (10 s)
    return new MigrationAdapter({ ...poolConfigFromUrl(url), allowExitOnIdle: true });
  },
});
