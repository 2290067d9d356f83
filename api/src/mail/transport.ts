// SMTP in production (SMTP_URL); locally, each message becomes an .eml file in DATA_DIR/outbox.
// Timeouts are bounded so a stalled server can never hold a send longer than the outbox lease.
import { mkdirSync } from "node:fs";
import path from "node:path";
import nodemailer from "nodemailer";
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

export function smtpTransport(smtpUrl: string): SendMail {
  const transporter = nodemailer.createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS });
  const send = async (mail: OutgoingMail) => {
    const info = await transporter.sendMail(mail);
    return { messageId: info.messageId };
  };
  return Object.assign(send, {
    verify: async () => {
      await transporter.verify();
    },
    close: () => transporter.close(),
  });
}

export function folderTransport(dir: string): SendMail {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  const send = async (mail: OutgoingMail) => {
    const info = await transporter.sendMail(mail);
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
