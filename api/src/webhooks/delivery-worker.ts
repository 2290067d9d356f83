// Sends queued webhook deliveries, safe in every replica: each delivery is claimed on its own under a
// lease token (FOR UPDATE SKIP LOCKED), every final write is fenced on that token, and no attempt
// outlives its lease (WEBHOOK_TIMEOUT_MS < the lease). The claim loop is the mail outbox's state
// machine (mail/outbox-machine.ts): claims follow each other, up to `concurrency` attempts at once,
// a poll every pollMs. Endpoints are independent, so one endpoint failing never pauses the worker:
// every attempt's outcome reaches the machine as settled, and the delivery's own backoff decides
// when it is tried again.
//
// An attempt is delivered on any 2xx; anything else (no answer, a redirect — never followed —, 4xx,
// 5xx) is retried after the shared backoff (contract/src/retry-policy.ts; a Retry-After of a 429 or
// 503 is honoured, bounded), and after WEBHOOK_MAX_ATTEMPTS attempts it is parked as FAILED until an
// admin redelivers it. Each attempt is recorded with its status code, error and duration.
import { parseRetryAfter, retryDelay, type RetryPolicy } from "@alga-license/contract";
import type { Logger } from "pino";
import type { ServerSecret } from "../crypto/server-secret.js";
import { claimDelivery, recordAttempt, type ClaimedDelivery } from "../data/webhooks.js";
import type { Queryable } from "../db/sql.js";
import { outboxDriver, type WorkerEffect } from "../mail/outbox-driver.js";
import { initialOutboxState, type DeliveryOutcome } from "../mail/outbox-machine.js";
import { webhookHeaders } from "./signature.js";

export interface WebhookWorkerOptions {
  db: Queryable;
  secret: ServerSecret;
  log: Logger;
  maxAttempts: number;
  /** first backoff (WEBHOOK_RETRY_BASE_MS); attempt n waits base * 2^(n-1), jittered */
  retryBaseMs: number;
  /** cap of the backoff (WEBHOOK_RETRY_MAX_SECONDS) */
  retryMaxSeconds: number;
  /** one attempt's limit (WEBHOOK_TIMEOUT_MS) */
  timeoutMs: number;
  pollMs: number;
  concurrency?: number;
  /** the time stamped on attempts (tests) */
  clock?: () => Date;
}

export interface AttemptResult {
  statusCode: number | null;
  error: string | null;
  retryAfterSeconds?: number;
}

/** What one attempt's result makes of the delivery (pure): delivered, retried after a wait, or FAILED. */
export function decideAttempt(
  r: AttemptResult,
  attempts: number,
  o: Pick<WebhookWorkerOptions, "maxAttempts" | "retryBaseMs" | "retryMaxSeconds">,
  random = Math.random,
): { outcome: "DELIVERED" | "PENDING" | "FAILED"; retryInMs: number } {
  if (r.statusCode !== null && r.statusCode >= 200 && r.statusCode < 300) return { outcome: "DELIVERED", retryInMs: 0 };
  if (attempts >= o.maxAttempts) return { outcome: "FAILED", retryInMs: 0 };
  const policy: RetryPolicy = { baseMs: o.retryBaseMs, maxMs: o.retryMaxSeconds * 1000, jitter: 0.2, maxRetryAfterMs: o.retryMaxSeconds * 1000 };
  const asked = r.statusCode === 429 || r.statusCode === 503 ? r.retryAfterSeconds : undefined;
  return { outcome: "PENDING", retryInMs: retryDelay(attempts, policy, asked, random).waitMs };
}

/** One HTTP attempt: POST the body with its Standard Webhooks headers; redirects are not followed. */
export async function attemptDelivery(o: Pick<WebhookWorkerOptions, "secret" | "timeoutMs" | "clock">, d: ClaimedDelivery): Promise<AttemptResult> {
  const secrets = [o.secret.unseal(d.sealedSecret), ...(d.previousSealedSecret ? [o.secret.unseal(d.previousSealedSecret)] : [])];
  const now = (o.clock ?? (() => new Date()))();
  try {
    const res = await fetch(d.url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "alga-license-webhooks/1", ...webhookHeaders(secrets, d.id, d.body, now) },
      body: d.body,
      redirect: "manual",
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    // the answer's body is never read or stored (it could be anything the receiver's network holds)
    await res.body?.cancel().catch(() => undefined);
    const ok = res.status >= 200 && res.status < 300;
    return {
      statusCode: res.status,
      error: ok ? null : res.status >= 300 && res.status < 400 ? `redirect ${res.status} (not followed)` : `HTTP ${res.status}`,
      retryAfterSeconds: parseRetryAfter(res.headers.get("retry-after")),
    };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const reason = e.name === "TimeoutError" ? `no answer within ${o.timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { statusCode: null, error: reason };
  }
}

/** how long a claim lasts: longer than any attempt (the timeout is capped below it) */
const LEASE_SECONDS = 120;

async function deliver(o: WebhookWorkerOptions, d: ClaimedDelivery): Promise<DeliveryOutcome> {
  const started = performance.now();
  const result = await attemptDelivery({ ...o, timeoutMs: Math.min(o.timeoutMs, (LEASE_SECONDS - 10) * 1000) }, d);
  const durationMs = Math.round(performance.now() - started);
  const decision = decideAttempt(result, d.attempts, o);
  const recorded = await recordAttempt(o.db, d, { statusCode: result.statusCode, error: result.error, durationMs, ...decision }).catch((err: unknown) => {
    o.log.warn({ err, deliveryId: d.id }, "could not record a webhook attempt (its lease will expire and it goes again)");
    return false;
  });
  const fields = { deliveryId: d.id, endpointId: d.endpointId, event: d.eventType, attempts: d.attempts, statusCode: result.statusCode, durationMs, recorded };
  if (decision.outcome === "DELIVERED") o.log.info(fields, "webhook delivered");
  else if (decision.outcome === "FAILED") o.log.warn({ ...fields, err: result.error }, "webhook parked as FAILED");
  else o.log.info({ ...fields, err: result.error, retryInMs: decision.retryInMs }, "webhook attempt failed; will retry");
  // settled either way: a receiver's failure says nothing of the others
  return decision.outcome === "DELIVERED" ? { sent: true, id: d.id } : { sent: false, kind: "permanent", id: d.id };
}

export interface WebhookWorker {
  kick(): void;
  stop(): Promise<void>;
}

export function startWebhookWorker(o: WebhookWorkerOptions): WebhookWorker {
  const driver = outboxDriver<ClaimedDelivery>(
    initialOutboxState({ slots: o.concurrency ?? 4, pollMs: o.pollMs, probeMs: o.pollMs }),
    (effect) => perform(effect),
    o.log,
    "webhook worker",
  );
  const { dispatch, then } = driver;

  function perform(effect: WorkerEffect<ClaimedDelivery>): void {
    switch (effect.type) {
      case "claim":
        return then(
          claimDelivery(o.db, LEASE_SECONDS),
          (row) => (row ? { type: "claimed", row } : { type: "nothing due" }),
          (err) => ({ type: "claim failed", err }),
        );
      case "deliver": {
        const row = effect.row;
        return then(
          deliver(o, row),
          (outcome) => ({ type: "delivered", outcome }),
          (err) => {
            o.log.error({ err, deliveryId: row.id }, "webhook attempt failed unexpectedly (its lease will expire and it goes again)");
            return { type: "delivered", outcome: { sent: false, kind: "permanent", id: row.id } };
          },
        );
      }
      // never reached: every outcome is settled, so the machine never pauses or probes
      case "probe claim":
        return dispatch({ type: "probe found nothing" });
      case "verify":
        return dispatch({ type: "service answers" });
      case "expedite":
        return dispatch({ type: "expedited", due: 0, reason: effect.reason });
      case "log":
        o.log[effect.level](effect.fields ?? {}, effect.msg.replace("outbox", "webhook worker"));
        return;
    }
  }

  dispatch({ type: "start" });
  return {
    kick: () => dispatch({ type: "kick" }),
    async stop() {
      dispatch({ type: "stop" });
      // an attempt in flight ends within its timeout; one abandoned at exit is retried after its lease
      const grace = new Promise<void>((resolve) => setTimeout(resolve, 3_000).unref());
      await Promise.race([driver.settled(), grace]);
    },
  };
}
