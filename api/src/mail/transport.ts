// SMTP in production (SMTP_URL); locally, each message becomes an .eml file in DATA_DIR/outbox.
// Timeouts are bounded so a stalled server can never hold a send longer than the outbox lease.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Transporter } from "nodemailer";
import { loadNodemailer } from "../lazy-import.js";
import { writeFileAtomic } from "../storage/atomic-file.js";

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId?: string;
  /** aborts the send (SMTP closes its connection): the outbox's lease deadline and shutdown */
  signal?: AbortSignal;
}

export type SendMail = ((mail: OutgoingMail) => Promise<{ messageId: string; location?: string }>) & {
  /** resolves when the mail service answers (the outbox probes it during an outage) */
  verify(): Promise<void>;
  close(): void;
};

export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000 };

/** nodemailer's transporter, made on first use (its import is not on the start's path). */
function lazyTransporter(options: Parameters<typeof import("nodemailer").createTransport>[0]) {
  let made: Transporter | undefined;
  let making: Promise<Transporter> | undefined;
  return {
    get: () => (making ??= loadNodemailer().then((nodemailer) => (made = nodemailer.createTransport(options)))),
    close: () => made?.close(),
  };
}

export function smtpTransport(smtpUrl: string): SendMail {
  const transporter = lazyTransporter({ url: smtpUrl, ...SMTP_TIMEOUTS });
  const send = async (mail: OutgoingMail) => {
    const info = await (await transporter.get()).sendMail(mail);
    return { messageId: info.messageId };
  };
  return Object.assign(send, {
    verify: async () => {
      await (await transporter.get()).verify();
    },
    close: () => transporter.close(),
  });
}

export function folderTransport(dir: string): SendMail {
  const transporter = lazyTransporter({ streamTransport: true, buffer: true, newline: "unix" });
  const send = async (mail: OutgoingMail) => {
    const info = await (await transporter.get()).sendMail(mail);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const file = path.join(dir, `${stamp}-${info.messageId.replace(/[^a-z0-9]+/gi, "_")}.eml`);
    // whole or not at all: a full disk leaves no empty .eml per retry
    writeFileAtomic(file, info.message as Buffer, { mode: 0o600 });
    return { messageId: info.messageId, location: file };
  };
  return Object.assign(send, {
    verify: async () => {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    },
    close: () => transporter.close(),
  });
}
