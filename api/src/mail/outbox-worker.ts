// Sends queued mail. Safe in every replica: rows are claimed with FOR UPDATE SKIP LOCKED and leased
// (next_attempt_at pushed ahead) before sending, so two workers never send the same row at once.
// A failure reschedules with exponential backoff; nothing is dropped (after MAIL_MAX_ATTEMPTS the row
// is parked as DEAD, still sealed, for an operator to requeue).
import type { Logger } from "pino";
import type { ServerSecret } from "../crypto/server-secret.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { RenderedEmail } from "./install-code-email.js";
import type { SendMail } from "./transport.js";

const LEASE_SECONDS = 300;

export interface OutboxWorkerOptions {
  prisma: PrismaClient;
  secret: ServerSecret;
  send: SendMail;
  from: string;
  maxAttempts: number;
  log: Logger;
  batchSize?: number;
  /** base backoff; attempt n waits base * 2^(n-1), capped at one hour */
  backoffBaseMs?: number;
}

interface ClaimedRow {
  id: string;
  recipient: string;
  sealed_message: string;
  attempts: number;
}

export function backoffMs(attempt: number, baseMs: number): number {
  const raw = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 3_600_000);
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}

/** One pass: claims due rows and sends them. Returns how many were sent. */
export async function drainOutbox(o: OutboxWorkerOptions): Promise<{ sent: number; failed: number }> {
  const claimed = await o.prisma.$queryRaw<ClaimedRow[]>`
    UPDATE email_outbox
       SET attempts = attempts + 1,
           next_attempt_at = now() + make_interval(secs => ${LEASE_SECONDS})
     WHERE id IN (SELECT id FROM email_outbox
                   WHERE status = 'PENDING' AND next_attempt_at <= now()
                   ORDER BY next_attempt_at
                   LIMIT ${o.batchSize ?? 20}
                   FOR UPDATE SKIP LOCKED)
 RETURNING id, recipient, sealed_message, attempts`;
  let sent = 0;
  let failed = 0;
  for (const row of claimed) {
    try {
      const email = JSON.parse(o.secret.unseal(row.sealed_message)) as RenderedEmail;
      const info = await o.send({ from: o.from, to: row.recipient, ...email, messageId: `<${row.id}@alga-license>` });
      await o.prisma.emailOutbox.update({
        where: { id: row.id },
        data: { status: "SENT", sentAt: new Date(), sealedMessage: null, messageId: info.messageId, lastError: null },
      });
      o.log.info({ emailId: row.id, attempts: row.attempts, location: info.location }, "email sent");
      sent++;
    } catch (err) {
      failed++;
      const dead = row.attempts >= o.maxAttempts;
      const delay = backoffMs(row.attempts, o.backoffBaseMs ?? 30_000);
      const message = err instanceof Error ? err.message : String(err);
      await o.prisma.emailOutbox.update({
        where: { id: row.id },
        data: {
          status: dead ? "DEAD" : "PENDING",
          lastError: message.slice(0, 500),
          nextAttemptAt: new Date(Date.now() + delay),
        },
      });
      o.log.warn({ emailId: row.id, attempts: row.attempts, retryInMs: dead ? null : delay, err: message }, dead ? "email parked as DEAD" : "email send failed; will retry");
    }
  }
  return { sent, failed };
}

/** Polls until stopped; a pass that sent a full batch runs again at once. */
export function startOutboxWorker(o: OutboxWorkerOptions & { pollMs: number }): { stop(): Promise<void>; kick(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    running = drainOutbox(o)
      .then(({ sent }) => (sent >= (o.batchSize ?? 20) ? 0 : o.pollMs))
      .catch((err: unknown) => {
        o.log.error({ err }, "outbox pass failed");
        return o.pollMs;
      })
      .then((wait) => {
        if (!stopped) timer = setTimeout(tick, wait);
      });
  };
  timer = setTimeout(tick, 0);
  return {
    kick() {
      if (stopped) return;
      clearTimeout(timer);
      void running.then(() => {
        if (!stopped) {
          clearTimeout(timer);
          timer = setTimeout(tick, 0);
        }
      });
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
