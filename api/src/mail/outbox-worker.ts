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
import type { Logger } from "pino";
import type { ServerSecret } from "../crypto/server-secret.js";
import { claimEmail, claimSoonestEmail, expediteFailed, markFailed, markSent, type ClaimedEmail } from "../data/outbox.js";
import type { Queryable } from "../db/sql.js";
import type { RenderedEmail } from "./install-code-email.js";
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

export type FailureKind = "service" | "temporary" | "permanent";

const SERVICE_CODES = new Set(["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS", "ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN", "ETLS"]);

export function classifySendFailure(err: unknown): FailureKind {
  const e = err as { code?: string; responseCode?: number; command?: string };
  if (e.responseCode === 421 || (e.code && SERVICE_CODES.has(e.code))) return "service";
  if (typeof e.responseCode === "number" && e.responseCode >= 500) return "permanent";
  return "temporary";
}

export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const raw = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), maxMs);
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}

type Outcome = { sent: true; id: string } | { sent: false; kind: FailureKind; id: string };

/**
 * Sends one claimed message and records the outcome (fenced on its lease). A send never outlives its
 * lease (it is aborted before the lease runs out, so no other worker can be sending it at the same
 * time), and `abandon` (the worker stopping) aborts it and gives the message back at once.
 */
async function deliver(o: OutboxWorkerOptions, row: ClaimedEmail, abandon?: AbortSignal): Promise<Outcome> {
  const leaseMs = (o.leaseSeconds ?? LEASE_SECONDS) * 1000;
  const deadline = AbortSignal.timeout(Math.max(1000, leaseMs - Math.min(30_000, leaseMs / 4)));
  let info: { messageId: string; location?: string };
  try {
    const email = JSON.parse(o.secret.unseal(row.sealedMessage)) as RenderedEmail;
    // a stable Message-ID lets a receiver drop the duplicate of a send whose outcome was lost
    info = await o.send({ from: o.from, to: row.recipient, ...email, messageId: `<${row.id}@alga-license>`, signal: abandon ? AbortSignal.any([abandon, deadline]) : deadline });
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
    recorded === "recorded" ? "email sent" : recorded === "lease lost" ? "email sent after its lease was taken over" : "email sent but its outcome could not be recorded",
  );
  return { sent: true, id: row.id };
}

async function recordSent(o: OutboxWorkerOptions, row: ClaimedEmail, messageId: string): Promise<"recorded" | "lease lost" | "not recorded"> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await markSent(o.db, row, messageId)) ? "recorded" : "lease lost";
    } catch (err) {
      if (attempt >= 5) {
        o.log.error({ err, emailId: row.id }, "could not record a sent email (it will be sent again when its lease expires)");
        return "not recorded";
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
}

/** The worker stops mid-send: the message is due again at once, its attempt not counted. */
async function giveBack(o: OutboxWorkerOptions, row: ClaimedEmail): Promise<Outcome> {
  await markFailed(o.db, row, { error: "abandoned: the sending worker stopped", retryInMs: 0, dead: false, refundAttempt: row.counted !== false }).catch((e: unknown) =>
    o.log.warn({ err: e, emailId: row.id }, "could not give back an abandoned send (its lease will expire)"),
  );
  o.log.info({ emailId: row.id }, "send abandoned at shutdown: the message is due again for another worker");
  return { sent: false, kind: "service", id: row.id };
}

/** A failed send: retried after a backoff (the attempt given back when the service itself was down), or DEAD. */
async function recordFailure(o: OutboxWorkerOptions, row: ClaimedEmail, err: unknown): Promise<Outcome> {
  const kind = classifySendFailure(err);
  const message = err instanceof Error ? err.message : String(err);
  const dead = kind === "permanent" || (kind === "temporary" && row.counted !== false && row.attempts >= o.maxAttempts);
  const retryInMs = kind === "service" ? 0 : backoffMs(row.attempts, o.backoffBaseMs ?? 5_000, (o.retryMaxSeconds ?? 300) * 1000);
  // an attempt is given back only if it was counted (a probe's early claim was not)
  await markFailed(o.db, row, { error: `${kind}: ${message}`, retryInMs, dead, refundAttempt: kind === "service" && row.counted !== false }).catch((e: unknown) =>
    o.log.warn({ err: e, emailId: row.id }, "could not record a failed send (its lease will expire)"),
  );
  o.log.warn({ emailId: row.id, attempts: row.attempts, kind, retryInMs: dead ? null : retryInMs, err: message }, dead ? "email parked as DEAD" : "email send failed; will retry");
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
  const slots = o.concurrency ?? 4;
  const probeMs = o.probeMs ?? 2_000;
  const leaseSeconds = o.leaseSeconds ?? LEASE_SECONDS;
  let inflight = 0;
  let stopped = false;
  /** the mail service is unreachable: probe it with verify() */
  let serviceDown = false;
  /** messages refused (4xx) since the last accepted one; non-empty: probe with the soonest message */
  const refused = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const abandon = new AbortController();
  const running = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>) => {
    running.add(p);
    // the caller handles p's failure; this bookkeeping branch must not become an unhandled rejection
    // (a pool timeout during a claim would otherwise crash the process)
    const forget = () => void running.delete(p);
    p.then(forget, forget);
    return p;
  };
  const paused = () => serviceDown || refused.size > 0;
  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(() => (serviceDown ? verify() : refused.size ? probeWithMessage() : pump()), ms);
  };

  /** The service answered again: messages that waited out a backoff because of it go now. */
  async function resume(reason: string, expedite: boolean) {
    const due = expedite ? await expediteFailed(o.db).catch(() => 0) : 0;
    o.log.info({ due }, reason);
    pump();
  }

  async function verify() {
    try {
      await track(o.send.verify());
      serviceDown = false;
      refused.clear();
      await resume("mail service answers again: resuming the outbox", true);
    } catch {
      schedule(probeMs);
    }
  }

  async function probeWithMessage() {
    try {
      // once several messages were refused it is the service refusing: probes cost no attempts then
      const row = await track(claimSoonestEmail(o.db, leaseSeconds, refused.size < 2));
      if (!row) {
        refused.clear();
        return pump();
      }
      inflight++;
      const outcome = await track(deliver(o, row, abandon.signal));
      inflight--;
      settle(outcome);
    } catch (err) {
      o.log.warn({ err }, "outbox probe failed");
      schedule(probeMs);
    }
  }

  /** What one send's outcome says about the mail service. */
  function settle(outcome: Outcome) {
    if (stopped) return;
    if (outcome.sent || outcome.kind === "permanent") {
      // the service takes (or definitively judges) mail again; if it had refused several messages,
      // that was the service, not those messages: they may all go now
      const serviceWide = outcome.sent && refused.size > 1;
      refused.clear();
      if (serviceWide) void resume("mail service accepts mail again: resuming the outbox", true);
      else pump();
      return;
    }
    if (outcome.kind === "service") {
      if (!serviceDown) o.log.warn("mail service unreachable: pausing the outbox and probing it");
      serviceDown = true;
      schedule(probeMs);
      return;
    }
    if (!refused.size) o.log.warn("mail service refuses mail: pausing the outbox and probing it with one message at a time");
    refused.add(outcome.id);
    schedule(probeMs);
  }

  let claiming = false;
  async function pump() {
    if (stopped || paused() || claiming) return;
    claiming = true;
    try {
      while (!stopped && !paused() && inflight < slots) {
        const row = await track(claimEmail(o.db, leaseSeconds));
        if (!row) break;
        inflight++;
        void track(deliver(o, row, abandon.signal)).then((outcome) => {
          inflight--;
          settle(outcome);
        });
      }
    } catch (err) {
      // the database is away or saturated: the next poll tries again
      o.log.warn({ err }, "outbox pass failed");
    } finally {
      claiming = false;
    }
    if (!paused()) schedule(o.pollMs);
  }

  schedule(0);
  return {
    kick() {
      if (!stopped && !paused()) void pump();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const grace = new Promise<void>((resolve) => setTimeout(resolve, o.stopGraceMs ?? 3_000).unref());
      const settled = async () => {
        while (running.size) await Promise.allSettled([...running]);
      };
      await Promise.race([settled(), grace]);
      // a stalled mail server must not hold the shutdown: abort what is left and give it back
      if (running.size) abandon.abort();
      await settled();
    },
  };
}
