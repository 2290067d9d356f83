// Database access for the CLI commands: DATABASE_URL, else the embedded database of a running API,
// else the embedded database opened (and migrated) here.
import { existsSync, readFileSync } from "node:fs";
import pg from "pg";
import type { Config } from "../config.js";
import { poolConfigFromUrl } from "../db/connection-options.js";
import { embeddedUrlFile, startEmbeddedDatabase } from "../db/embedded.js";
import { migrateDeploy } from "../db/migrate.js";
import { createPrisma } from "../db/prisma.js";
import type { PrismaClient } from "../generated/prisma/client.js";

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ ...poolConfigFromUrl(url), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

export async function withDatabase<T>(config: Config, fn: (prisma: PrismaClient) => Promise<T>): Promise<T> {
  let url = config.databaseUrl;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!url) {
    const file = embeddedUrlFile(config.dataDir);
    const running = existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
    if (running && (await reachable(running))) {
      url = running;
    } else {
      const db = await startEmbeddedDatabase(config.dataDir);
      await migrateDeploy(db.url);
      url = db.url;
      stopEmbedded = () => db.stop();
    }
  }
  const prisma = createPrisma(url, 1);
  try {
    return await fn(prisma);
  } finally {
    await prisma.$disconnect();
    await stopEmbedded?.();
  }
}
