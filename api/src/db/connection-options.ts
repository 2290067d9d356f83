import { readFileSync } from "node:fs";
import type { PoolConfig } from "pg";

/**
 * Splits a postgres:// URL into discrete pg fields (the Prisma adapter creates its shadow database by
 * overriding `database`, which a `connectionString` would silently win over) and maps sslmode the way
 * libpq does: require encrypts without checking the server, verify-ca checks the certificate chain
 * against sslrootcert, verify-full also checks the host name.
 */
export function poolConfigFromUrl(url: string): PoolConfig {
  const u = new URL(url);
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") {
    throw new Error(`DATABASE_URL must be a postgres:// URL (got ${u.protocol})`);
  }
  const params = u.searchParams;
  const sslmode = params.get("sslmode") ?? (params.get("ssl") === "true" ? "require" : null);
  const rootCert = params.get("sslrootcert");
  let ssl: Exclude<PoolConfig["ssl"], boolean>;
  if (sslmode === "verify-ca" || sslmode === "verify-full") {
    ssl = {
      rejectUnauthorized: true,
      ...(rootCert && rootCert !== "system" ? { ca: readFileSync(rootCert, "utf8") } : {}),
      // verify-ca checks the chain only, as libpq does
      ...(sslmode === "verify-ca" ? { checkServerIdentity: () => undefined } : {}),
    };
  } else if (sslmode && sslmode !== "disable") {
    ssl = { rejectUnauthorized: false };
  }
  const cert = params.get("sslcert");
  const key = params.get("sslkey");
  if (ssl && cert && key) ssl = { ...ssl, cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
  return {
    host: decodeURIComponent(u.hostname) || params.get("host") || "localhost",
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: decodeURIComponent(u.pathname.replace(/^\//, "")) || undefined,
    ssl,
  };
}
