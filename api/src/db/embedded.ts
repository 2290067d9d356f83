// The embedded default (no DATABASE_URL): a real PostgreSQL kept in DATA_DIR/pgdata, started by the
// API (or by a CLI command when the API is not running). Its URL is written to DATA_DIR for the CLI
// commands while the API holds the folder.
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../storage/atomic-file.js";
import { startEmbeddedPostgres } from "./embedded-postgres.js";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const MAJOR = "18";

export const embeddedUrlFile = (dataDir: string) => path.join(dataDir, "embedded-db.url");

export async function startEmbeddedDatabase(dataDir: string, onLog?: (line: string) => void): Promise<EmbeddedDatabase> {
  const pgdata = path.join(dataDir, "pgdata");
  const versionFile = path.join(pgdata, "PG_VERSION");
  if (existsSync(versionFile)) {
    const version = readFileSync(versionFile, "utf8").trim();
    if (version !== MAJOR) {
      throw new Error(
        `${pgdata} holds a PostgreSQL ${version} database from an earlier alga-license version (embedded PGlite); the embedded database is now PostgreSQL ${MAJOR}. ` +
          `Move the folder away (mv ${pgdata} ${pgdata}.v${version}) to start afresh, or set DATABASE_URL.`,
      );
    }
  }
  const db = await startEmbeddedPostgres({ dataDir: pgdata, onLog });
  const urlFile = embeddedUrlFile(dataDir);
  writeFileAtomic(urlFile, db.url, { mode: 0o600 });
  return {
    url: db.url,
    async stop() {
      rmSync(urlFile, { force: true });
      await db.stop();
    },
  };
}
