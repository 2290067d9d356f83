// The HTTP routes besides /graphql: health, readiness, the JWKS, metrics, the local ISO download and
// the playground.
import path from "node:path";
import express, { type Router } from "express";
import type { Logger } from "pino";
import { stripeWebhook } from "../billing/webhook-route.js";
import type { Config } from "../config.js";
import type { DatabaseHealth } from "../db/health.js";
import type { Services } from "../domain/services.js";
import type { SigningKeySet } from "../license/signing-keys.js";
import { checkLocalLink, isoEtag, localIsoFile, type localIsoDigests } from "../storage/iso-download.js";
import type { Metrics } from "./metrics.js";
import { faviconRouter } from "./favicon.js";
import { playgroundRouter } from "./playground.js";

/** how long the first download of a newly placed ISO waits for its sha256 (then it goes without) */
const ISO_DIGEST_WAIT_MS = 60_000;

export interface RouteDeps {
  config: Config;
  services: Services;
  keys: SigningKeySet;
  log: Logger;
  metrics?: Metrics;
  isoDigests: ReturnType<typeof localIsoDigests>;
  /** the signed key hand-over document (license/key-handover.ts) */
  keyHandover: () => Promise<unknown>;
  /** the database's probe and the pool's state (db/health.ts) */
  database: DatabaseHealth;
}

export function metricsRouter(metrics: Metrics): Router {
  const router = express.Router();
  router.get("/metrics", async (_req, res) => {
    res.setHeader("Content-Type", metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  return router;
}

export function routes(d: RouteDeps): Router {
  const router = express.Router();
  // Liveness: the process serves. It fails only when a restart is the way out: the pool is wedged
  // while the database answers (a database outage is readiness' business, not a reason to restart).
  router.get("/healthz", (_req, res) => {
    const pool = d.database.wedged();
    if (pool.wedged) {
      res.status(503).json({ status: "wedged", reason: `every database connection has been out for ${Math.round(pool.forMs / 1000)} s with none returned` });
      return;
    }
    res.json({ status: "ok" });
  });
  // Readiness: the database answers the probe's own connection within DATABASE_PROBE_TIMEOUT_MS
  // (not the shared pool's latency under load).
  router.get("/readyz", async (_req, res) => {
    const pool = d.database.wedged();
    const probe = await d.database.probe();
    if (pool.wedged) res.status(503).json({ status: "unavailable", reason: "database pool wedged" });
    else if (!probe.ok) res.status(503).json({ status: "unavailable", reason: "database unreachable" });
    else res.json({ status: "ready" });
  });
  router.get("/.well-known/jwks.json", (_req, res) => {
    res.setHeader("Cache-Control", "public, max-age=300");
    res.json(d.keys.publicJwks());
  });
  router.get("/.well-known/license-keys.jws", async (_req, res) => {
    res.setHeader("Cache-Control", "public, max-age=300");
    res.type("application/jose+json").send(JSON.stringify(await d.keyHandover()));
  });
  // Stripe billing events: a raw body (the signature covers its exact bytes), before any JSON parser
  router.post("/webhooks/stripe", ...stripeWebhook({ services: d.services, stripe: d.config.stripe, log: d.log, databaseReachable: d.database.reachableNow }));
  // metrics on the main port only when no METRICS_PORT keeps them off the public path
  if (d.metrics && d.config.metricsPort === undefined) router.use(metricsRouter(d.metrics));
  if (d.config.playgroundEnabled) router.use(playgroundRouter());
  router.use(faviconRouter());

  // Local ISO links (no S3): resumable (Range / If-Range), HEAD, ETag, Content-Length and the sha256.
  router.get("/downloads/:key", async (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const key = req.params.key;
    const link = checkLocalLink(d.services.secret, key, q.expires ?? "", q.signature ?? "");
    if (!link.ok) {
      res.status(link.status).type("text/plain").send(link.message);
      return;
    }
    const file = localIsoFile(d.config.dataDir, key);
    // a newly placed ISO is being hashed in the background: its first download waits for the
    // checksum (bounded), so every answer carries the sha256 and the same strong ETag
    const sha256 = d.isoDigests(file) ?? (await d.isoDigests.ready(file, ISO_DIGEST_WAIT_MS));
    const headers: Record<string, string> = {
      "Content-Type": "application/octet-stream",
      "Content-Disposition": `attachment; filename="${key.replace(/["\\\r\n]/g, "")}"`,
      "Cache-Control": "private, no-transform",
    };
    if (sha256) {
      headers["X-Checksum-Sha256"] = sha256;
      headers["Repr-Digest"] = `sha-256=:${Buffer.from(sha256, "hex").toString("base64")}:`;
      // strong (send's own is weak): If-Range resumes need one
      headers.ETag = isoEtag(sha256);
    }
    // root: only the key is checked for dot files — DATA_DIR itself may be a dot folder (./.data)
    res.sendFile(
      path.basename(file),
      { root: path.dirname(file), headers, dotfiles: "deny", acceptRanges: true, etag: true, lastModified: true, cacheControl: false },
      (err?: Error & { code?: string; status?: number }) => {
        if (!err) return;
        if (res.headersSent) {
          // the client went away or the disk failed mid-stream: end this response only
          d.log.warn({ err: { message: err.message, code: err.code }, key }, "ISO download interrupted");
          res.destroy();
          return;
        }
        if (err.code === "ENOENT" || err.status === 404) {
          res.status(404).type("text/plain").send("The appliance ISO is not available on this server yet. Try again later or contact your vendor.");
        } else {
          d.log.error({ err, key }, "ISO download failed");
          res
            .status(err.status ?? 500)
            .type("text/plain")
            .send("The download failed. Try again later.");
        }
      },
    );
  });
  return router;
}
