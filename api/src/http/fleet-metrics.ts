// Fleet gauges for /metrics (registered by metrics.ts): tracked appliances by health, as the fleet
// sweep last judged them, and the webhook deliveries waiting or parked.
import { Gauge, type Registry } from "prom-client";
import { deliveryBacklog } from "../data/webhooks.js";
import { healthCounts } from "../data/fleet.js";
import type { Queryable } from "../db/sql.js";

export function registerFleetMetrics(registry: Registry, db: Queryable): void {
  new Gauge({
    name: "alga_license_appliances",
    help: "Tracked appliances (a live credential, or activated by file) by health as of the last fleet sweep: HEALTHY, OVERDUE, DARK, OFFLINE, UNJUDGED (not swept yet)",
    labelNames: ["health"] as const,
    registers: [registry],
    async collect() {
      const counts = await healthCounts(db);
      for (const [health, n] of Object.entries(counts)) this.set({ health }, n);
    },
  });
  new Gauge({
    name: "alga_license_webhook_deliveries",
    help: "Webhook deliveries by status (PENDING queued or backing off, FAILED parked after WEBHOOK_MAX_ATTEMPTS)",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      const b = await deliveryBacklog(db);
      this.set({ status: "PENDING" }, b.pending);
      this.set({ status: "FAILED" }, b.failed);
    },
  });
}
