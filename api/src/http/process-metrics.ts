// Metrics about the process itself: its database pool (connections open, idle, callers waiting for
// one, against DATABASE_POOL_SIZE) and what is running (version, Node.js version, commit when known).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Gauge, type Registry } from "prom-client";

export interface PoolState {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

export function registerPoolMetrics(registry: Registry, pool: PoolState, size: number): void {
  new Gauge({
    name: "alga_license_db_pool_connections",
    help: "Database pool connections by state: total (open), idle (open, not checked out), waiting (callers queued for a connection), max (DATABASE_POOL_SIZE)",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      this.set({ state: "total" }, pool.totalCount);
      this.set({ state: "idle" }, pool.idleCount);
      this.set({ state: "waiting" }, pool.waitingCount);
      this.set({ state: "max" }, size);
    },
  });
}

/** api/package.json's version (the same path from api/src/http and api/dist/http). */
export function apiVersion(): string {
  try {
    const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../package.json");
    return String((JSON.parse(readFileSync(file, "utf8")) as { version?: unknown }).version ?? "unknown");
  } catch {
    return "unknown";
  }
}

export function registerBuildInfo(registry: Registry, commit: string | undefined): void {
  const info = new Gauge({
    name: "alga_license_build_info",
    help: "Always 1; the labels say what runs: the API's version, the Node.js version and the commit (BUILD_COMMIT, else unknown)",
    labelNames: ["version", "node_version", "commit"] as const,
    registers: [registry],
  });
  info.set({ version: apiVersion(), node_version: process.version, commit: commit ?? "unknown" }, 1);
}
