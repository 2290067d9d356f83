// Prometheus metrics on a registry of our own (several apps can live in one process, e.g. tests).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { backlog } from "../data/outbox.js";
import type { Queryable } from "../db/sql.js";
import { registerFleetMetrics } from "./fleet-metrics.js";
import { registerBuildInfo, registerPoolMetrics, type PoolState } from "./process-metrics.js";

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * A labelled child per label set, looked up once: prom-client otherwise hashes the label object on every
 * increment. The label sets are bounded (routes, statuses, root fields, error codes); the cache stops
 * growing at `max` all the same, so no caller can make it hold more.
 */
function children<T>(make: (...labels: string[]) => T, max = 1000): (...labels: string[]) => T {
  const cache = new Map<string, T>();
  return (...labels) => {
    const key = labels.join("\u0000");
    let child = cache.get(key);
    if (child === undefined) {
      child = make(...labels);
      if (cache.size < max) cache.set(key, child);
    }
    return child;
  };
}

export interface ProcessInfo {
  /** the database pool and its DATABASE_POOL_SIZE */
  pool?: { state: PoolState; size: number };
  /** BUILD_COMMIT */
  commit?: string;
}

export function createMetrics(db: Queryable, info: ProcessInfo = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "alga_license_" });
  if (info.pool) registerPoolMetrics(registry, info.pool.state, info.pool.size);
  registerBuildInfo(registry, info.commit);
  const operations = new Counter({
    name: "alga_license_graphql_operations_total",
    help: "GraphQL operations by root field (e.g. checkIn; none when the request did not parse or validate) and outcome (ok or the first error code)",
    labelNames: ["operation", "outcome"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "alga_license_graphql_operation_duration_seconds",
    help: "GraphQL operation latency by root field",
    labelNames: ["operation"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const httpRequests = new Counter({
    name: "alga_license_http_requests_total",
    help: "HTTP requests by route and status",
    labelNames: ["route", "status"] as const,
    registers: [registry],
  });
  const redemptions = new Counter({
    name: "alga_license_install_code_redemptions_total",
    help: "Install-code redemptions by outcome (SUCCESS, REPLAYED for a replay of a redemption whose answer was lost, or the error code)",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "alga_license_email_outbox_backlog",
    help: "Queued emails by status (PENDING waiting to be sent, DEAD parked after max attempts)",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      const b = await backlog(db);
      this.set({ status: "PENDING" }, b.pending);
      this.set({ status: "DEAD" }, b.dead);
    },
  });
  // fleet awareness: appliance health and webhook deliveries (fleet-metrics.ts)
  registerFleetMetrics(registry, db);
  const shed = new Counter({
    name: "alga_license_requests_shed_total",
    help: "Requests answered SERVICE_BUSY because MAX_INFLIGHT_REQUESTS were in flight (counted once their body is read)",
    registers: [registry],
  });
  const refused = new Counter({
    name: "alga_license_connections_refused_total",
    help: "Connections closed at accept: beyond MAX_CONNECTIONS (total) or MAX_CONNECTIONS_PER_ADDRESS (address)",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const operationCount = children((operation, outcome) => operations.labels(operation!, outcome!));
  const operationLatency = children((operation) => latency.labels(operation!));
  const httpCount = children((route, status) => httpRequests.labels(route!, status!));
  return {
    registry,
    shed: () => shed.inc(),
    connectionRefused: (reason: "total" | "address") => refused.inc({ reason }),
    operation(operation: string, outcome: string, seconds: number) {
      operationCount(operation, outcome).inc();
      operationLatency(operation).observe(seconds);
    },
    http: (route: string, status: number) => httpCount(route, String(status)).inc(),
    redemption: (outcome: string) => redemptions.inc({ outcome }),
  };
}
