// Sends queued mail, safe in every replica. Each message is claimed on its own, right before it is
// sent, under a lease token (FOR UPDATE SKIP LOCKED), every final write is fenced on that token, and
// no send outlives its lease: a slow SMTP server can make a lease run out, but never makes two
// workers send one message at the same time.
// Failures:
//   - the mail service is unreachable (connection refused, timeout, 421): the attempt is given back,
//     the worker stops claiming and probes the server (verify) every few seconds; when it answers,
//     every message waiting out a backoff becomes due at once, so the drain resumes within seconds;
//   - a temporary refusal (4xx): the message backs off (exponential, capped at MAIL_RETRY_MAX_SECONDS),
//     and the worker stops claiming: every few seconds it sends the message due soonest, even early,
//     until one is accepted. Once several messages were refused it is the service that refuses, and
//     these probes count no attempts: an outage of any length burns none (no message goes DEAD for
//     it), and the drain resumes within seconds of the return, every refused message due at once. A
//     refusal of one message among accepted ones only delays that message (its backoff, its attempts);
//   - a permanent refusal (5xx) or MAIL_MAX_ATTEMPTS counted: parked as DEAD, still sealed, never dropped.
// The worker's decisions are the pure state machine in outbox-machine.ts; this module performs them.
import { backoffDelayMs } from "@alga-license/contract";
import type { Logger } from "pino";
import type { ServerSecret } from "../crypto/server-secret.js";
import { claimEmail, claimSoonestEmail, expediteFailed, markFailed, markSent, type ClaimedEmail } from "../data/outbox.js";
import type { Queryable } from "../db/sql.js";
import type { RenderedEmail } from "./install-code-email.js";
import { outboxDriver, type WorkerEffect } from "./outbox-driver.js";
import { initialOutboxState, type DeliveryOutcome } from "./outbox-machine.js";
import { classifySendFailure } from "./send-failure.js";
import type { SendMail } from "./transport.js";

export interface OutboxWorkerOptions {
  db: Queryable;
  secret: ServerSecret;
  send: SendMail;
  from: string;
  maxAttempts: number;
  log: Logger;
  /** cap of the backoff between attempts, seconds (MAIL_RETRY_MAX_SECONDS) */
  retryMaxSeconds?: number;
  /** first backoff; attempt n waits base * 2^(n-1) */
  backoffBaseMs?: number;
  /** how long a claim lasts; longer than any one send can take (the transport's timeouts) */
  leaseSeconds?: number;
  /** messages sent at once by this worker */
  concurrency?: number;
  /** how often to probe a mail service that is unreachable or refuses everything */
  probeMs?: number;
  /** at stop, how long sends in flight may take before they are abandoned (given back to be sent again) */
  stopGraceMs?: number;
}

/** how long a claim lasts (sends are aborted before it runs out) */
const LEASE_SECONDS = 120;

/**
 * Sends one claimed message and records the outcome (fenced on its lease). A send never outlives its
 * lease (it is aborted before the lease runs out, so no other worker can be sending it at the same
 * time), and `abandon` (the worker stopping) aborts it and gives the message back at once.
 */
async function deliver(o: OutboxWorkerOptions, row: ClaimedEmail, abandon?: AbortSignal): Promise<DeliveryOutcome> {
  const leaseMs = (o.leaseSeconds ?? LEASE_SECONDS) * 1000;
  const deadline = AbortSignal.timeout(Math.max(1000, leaseMs - Math.min(30_000, leaseMs / 4)));
  let info: { messageId: string; location?: string };
  try {
    const email = JSON.parse(o.secret.unseal(row.sealedMessage)) as RenderedEmail;
    // a stable Message-ID lets a receiver drop the duplicate of a send whose outcome was lost
    info = await o.send({
      from: o.from,
      to: row.recipient,
      ...email,
      messageId: `<${row.id}@alga-license>`,
      signal: abandon ? AbortSignal.any([abandon, deadline]) : deadline,
    });
  } catch (err) {
    if (abandon?.aborted) return giveBack(o, row);
    return recordFailure(o, row, err);
  }
  // Sent: only the record is left. A database hiccup here is not a failed send (retrying the send would
  // deliver it twice), so the record is retried; if it never lands, the lease runs out and the message
  // goes again (the one duplicate the outbox cannot rule out, with the same Message-ID).
  const recorded = await recordSent(o, row, info.messageId);
  o.log.info(
    { emailId: row.id, attempts: row.attempts, location: info.location, recorded },
    recorded === "recorded"
      ? "email sent"
      : recorded === "lease lost"
        ? "email sent after its lease was taken over"
        : "email sent but its outcome could not be recorded",
  );
  return { sent: true, id: row.id };
}

/** the record of a sent message is retried after 0.4, 0.8, 1.6, 3.2 s */
const RECORD_RETRY = { baseMs: 400, jitter: 0 };

async function recordSent(o: OutboxWorkerOptions, row: ClaimedEmail, messageId: string): Promise<"recorded" | "lease lost" | "not recorded"> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await markSent(o.db, row, messageId)) ? "recorded" : "lease lost";
    } catch (err) {
      if (attempt >= 5) {
        o.log.error({ err, emailId: row.id }, "could not record a sent email (it will be sent again when its lease expires)");
        return "not recorded";
      }
      await new Promise((r) => setTimeout(r, backoffDelayMs(attempt, RECORD_RETRY)));
    }
  }
}

/** The worker stops mid-send: the message is due again at once, its attempt not counted. */
async function giveBack(o: OutboxWorkerOptions, row: ClaimedEmail): Promise<DeliveryOutcome> {
  await markFailed(o.db, row, { error: "abandoned: the sending worker stopped", retryInMs: 0, dead: false, refundAttempt: row.counted !== false }).catch(
    (e: unknown) => o.log.warn({ err: e, emailId: row.id }, "could not give back an abandoned send (its lease will expire)"),
  );
  o.log.info({ emailId: row.id }, "send abandoned at shutdown: the message is due again for another worker");
  return { sent: false, kind: "service", id: row.id };
}

/** A failed send: retried after a backoff (the attempt given back when the service itself was down), or DEAD. */
async function recordFailure(o: OutboxWorkerOptions, row: ClaimedEmail, err: unknown): Promise<DeliveryOutcome> {
  const kind = classifySendFailure(err);
  const message = err instanceof Error ? err.message : String(err);
  const dead = kind === "permanent" || (kind === "temporary" && row.counted !== false && row.attempts >= o.maxAttempts);
  const retryInMs =
    kind === "service" ? 0 : backoffDelayMs(row.attempts, { baseMs: o.backoffBaseMs ?? 5_000, maxMs: (o.retryMaxSeconds ?? 300) * 1000, jitter: 0.2 });
  // an attempt is given back only if it was counted (a probe's early claim was not)
  await markFailed(o.db, row, { error: `${kind}: ${message}`, retryInMs, dead, refundAttempt: kind === "service" && row.counted !== false }).catch(
    (e: unknown) => o.log.warn({ err: e, emailId: row.id }, "could not record a failed send (its lease will expire)"),
  );
  o.log.warn(
    { emailId: row.id, attempts: row.attempts, kind, retryInMs: dead ? null : retryInMs, err: message },
    dead ? "email parked as DEAD" : "email send failed; will retry",
  );
  return { sent: false, kind, id: row.id };
}

/** One pass: claims and sends due messages one by one until none is due or the mail service is down. */
export async function drainOutbox(o: OutboxWorkerOptions): Promise<{ sent: number; failed: number; serviceDown: boolean }> {
  let sent = 0;
  let failed = 0;
  for (;;) {
    const row = await claimEmail(o.db, o.leaseSeconds ?? LEASE_SECONDS);
    if (!row) return { sent, failed, serviceDown: false };
    const outcome = await deliver(o, row);
    if (outcome.sent) sent++;
    else {
      failed++;
      if (outcome.kind === "service") return { sent, failed, serviceDown: true };
    }
  }
}

export interface OutboxWorker {
  /** wakes the worker (a transaction that queued mail committed) */
  kick(): void;
  /** stops claiming; sends in flight get stopGraceMs to finish, then are abandoned and given back */
  stop(): Promise<void>;
}

/** Keeps up to `concurrency` sends going, polls every pollMs, probes a mail service that is down or refusing. */
export function startOutboxWorker(o: OutboxWorkerOptions & { pollMs: number }): OutboxWorker {
  const leaseSeconds = o.leaseSeconds ?? LEASE_SECONDS;
  const abandon = new AbortController();
  const driver = outboxDriver<ClaimedEmail>(
    initialOutboxState({ slots: o.concurrency ?? 4, pollMs: o.pollMs, probeMs: o.probeMs ?? 2_000 }),
    (effect) => perform(effect),
    o.log,
    "outbox worker",
  );
  const { dispatch, then } = driver;

  function perform(effect: WorkerEffect<ClaimedEmail>): void {
    switch (effect.type) {
      case "claim":
        return then(
          claimEmail(o.db, leaseSeconds),
          (row) => (row ? { type: "claimed", row } : { type: "nothing due" }),
          (err) => ({ type: "claim failed", err }),
        );
      case "probe claim":
        return then(
          claimSoonestEmail(o.db, leaseSeconds, effect.countAttempt),
          (row) => (row ? { type: "probe claimed", row } : { type: "probe found nothing" }),
          (err) => ({ type: "probe failed", err }),
        );
      case "deliver": {
        const row = effect.row;
        // deliver records every failure itself; should it throw anyway, the worker pauses and probes the service
        return then(
          deliver(o, row, abandon.signal),
          (outcome) => ({ type: "delivered", outcome }),
          (err) => {
            o.log.error({ err, emailId: row.id }, "outbox send failed unexpectedly");
            return { type: "delivered", outcome: { sent: false, kind: "service", id: row.id } };
          },
        );
      }
      case "verify":
        return then(
          o.send.verify(),
          () => ({ type: "service answers" }),
          () => ({ type: "service silent" }),
        );
      case "expedite": {
        const { reason } = effect;
        // a failed expedite only means the backed-off messages wait out their backoff
        const due = expediteFailed(o.db).catch(() => 0);
        return then(
          due,
          (n) => ({ type: "expedited", due: n, reason }),
          () => ({ type: "expedited", due: 0, reason }),
        );
      }
      case "log":
        o.log[effect.level](effect.fields ?? {}, effect.msg);
        return;
    }
  }

  dispatch({ type: "start" });
  return {
    kick() {
      dispatch({ type: "kick" });
    },
    async stop() {
      dispatch({ type: "stop" });
      const grace = new Promise<void>((resolve) => setTimeout(resolve, o.stopGraceMs ?? 3_000).unref());
      await Promise.race([driver.settled(), grace]);
      // a stalled mail server must not hold the shutdown: abort what is left and give it back
      if (driver.busy()) abandon.abort();
      await driver.settled();
    },
  };
}
