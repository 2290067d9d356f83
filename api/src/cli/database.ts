// Database access for the CLI commands: DATABASE_URL, else the embedded database of a running API,
// else the embedded database opened (and migrated) here — holding the data folder's lock meanwhile.
import { existsSync, readFileSync } from "node:fs";
import pg from "pg";
import type { Config } from "../config.js";
import { poolConfigFromUrl } from "../db/connection-options.js";
import { lockDataDir } from "../db/data-dir-lock.js";
import { embeddedUrlFile, startEmbeddedDatabase } from "../db/embedded.js";
import { DATABASE_URL_REQUIRED, embeddedPostgresInstalled } from "../db/embedded-installed.js";
import { classifyFailure } from "../db/failures.js";
import { migrateIfNeeded } from "../db/migrate.js";
import { createPool } from "../db/pool.js";

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ ...poolConfigFromUrl(url), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function withDatabase<T>(config: Config, command: string, fn: (db: pg.Pool) => Promise<T>): Promise<T> {
  let url = config.databaseUrl;
  let release: (() => Promise<void>) | undefined;
  if (!url) {
    const file = embeddedUrlFile(config.dataDir);
    const running = existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
    if (running && (await reachable(running))) {
      url = running;
    } else if (!embeddedPostgresInstalled()) {
      throw new CliError(DATABASE_URL_REQUIRED, 2);
    } else {
      const lock = lockDataDir(config.dataDir, command);
      try {
        const db = await startEmbeddedDatabase(config.dataDir);
        url = db.url;
        release = async () => {
          await db.stop();
          lock.release();
        };
      } catch (err) {
        lock.release();
        throw err;
      }
    }
  }
  const pool = createPool(url, { size: 2, timeoutMs: 5000 });
  try {
    if (release) await migrateIfNeeded(pool, url);
    return await fn(pool);
  } catch (err) {
    if (classifyFailure(err)) {
      const where = config.databaseUrl ? new URL(config.databaseUrl).host : "the embedded database";
      throw new CliError(`cannot reach the database at ${where}: ${(err as Error).message}`);
    }
    throw err;
  } finally {
    await pool.end().catch(() => {});
    await release?.();
  }
}
