// Embedded PostgreSQL for local runs (no DATABASE_URL): PGlite (PostgreSQL compiled to WASM) kept in
// DATA_DIR/pgdata and served on a loopback port, so Prisma, migrations and pg work unchanged.
// PGlite is single-connection: fine for one local process, not for production or concurrency tests.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const dir = path.join(dataDir, "pgdata");
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 8 });
  await server.start();
  const [host, port] = server.getServerConn().split(":");
  const url = `postgresql://postgres@${host}:${port}/postgres`;
  // Lets the CLI commands (api-key, signing-key) reach the database while the API holds it open.
  const urlFile = embeddedUrlFile(dataDir);
  writeFileSync(urlFile, url, { mode: 0o600 });
  return {
    url,
    async stop() {
      rmSync(urlFile, { force: true });
      await server.stop();
      await db.close();
    },
  };
}

export const embeddedUrlFile = (dataDir: string) => path.join(dataDir, "embedded-db.url");
