// A real SMTP server (smtp-server) behind a front port the suite controls, to play a mail service
// that works, refuses (451 at RCPT, a temporary refusal), stalls (the DATA answer comes late) or is
// down (the port refuses connections). Every delivery is kept with its Message-ID and arrival time,
// so duplicates are counted the way a mailbox would see them.
import net from "node:net";
import { SMTPServer } from "smtp-server";

export type SmtpMode = "accept" | "refuse" | "stall" | "down";

export interface Delivery {
  messageId: string;
  to: string;
  subject: string;
  body: string;
  at: number;
}

export interface SmtpService {
  url: string;
  deliveries: Delivery[];
  /** RCPT commands answered 451 */
  refusals: number;
  /** stalled messages whose sender hung up before the answer: not delivered (no 250 was sent) */
  abandoned: number;
  mode: SmtpMode;
  /** how long a stalled DATA answer waits */
  stallMs: number;
  /** recipients refused (451) whatever the mode: a problem of one mailbox, not of the service */
  refuseRecipients: Set<string>;
  set(mode: SmtpMode): Promise<void>;
  stop(): Promise<void>;
}

export async function startSmtpService(): Promise<SmtpService> {
  const sockets = new Set<net.Socket>();
  const svc: SmtpService = {
    url: "",
    deliveries: [],
    refusals: 0,
    abandoned: 0,
    mode: "accept",
    stallMs: 20_000,
    refuseRecipients: new Set(),
    set: async () => {},
    stop: async () => {},
  };
  // stalled answers by session: a sender that hangs up before the 250 did not hand its message over
  const stalled = new Map<string, { timer: NodeJS.Timeout; callback: (err?: Error) => void }>();
  const smtp = new SMTPServer({
    onClose(session) {
      const s = stalled.get(session.id);
      if (!s) return;
      clearTimeout(s.timer);
      stalled.delete(session.id);
      svc.abandoned++;
      s.callback(new Error("connection closed"));
    },
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    size: 1024 * 1024,
    onRcptTo(address, _session, callback) {
      if (svc.mode === "refuse" || svc.refuseRecipients.has(address.address)) {
        svc.refusals++;
        const err = new Error("mailbox temporarily unavailable") as Error & { responseCode: number };
        err.responseCode = 451;
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "im").exec(raw)?.[1]?.trim() ?? "";
        const accept = () => {
          stalled.delete(session.id);
          svc.deliveries.push({
            messageId: header("Message-ID"),
            to: session.envelope.rcptTo.map((r) => r.address).join(","),
            subject: header("Subject"),
            body: raw,
            at: Date.now(),
          });
          callback();
        };
        // stalled: the 250 comes late, and only then is the message delivered
        if (svc.mode === "stall") stalled.set(session.id, { timer: setTimeout(accept, svc.stallMs), callback });
        else accept();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const inner = (smtp.server.address() as net.AddressInfo).port;

  // the front port: closing it makes the mail service unreachable (ECONNREFUSED), like a stopped relay
  const front = net.createServer((client) => {
    sockets.add(client);
    const upstream = net.connect(inner, "127.0.0.1");
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", () => sockets.delete(client));
    upstream.on("error", drop).on("close", () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => front.once("error", reject).listen(port, "127.0.0.1", () => resolve()));
  await listen(0);
  const port = (front.address() as net.AddressInfo).port;
  svc.url = `smtp://127.0.0.1:${port}`;

  svc.set = async (mode) => {
    if (mode === "down" && svc.mode !== "down") {
      await new Promise<void>((resolve) => {
        front.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    } else if (mode !== "down" && svc.mode === "down") {
      await listen(port);
    }
    svc.mode = mode;
  };
  svc.stop = async () => {
    for (const { timer } of stalled.values()) clearTimeout(timer);
    if (svc.mode !== "down") await new Promise<void>((resolve) => front.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  };
  return svc;
}

/** Deliveries per Message-ID: more than one is a duplicate a person would see. */
export function duplicates(deliveries: Delivery[]): number {
  const seen = new Map<string, number>();
  for (const d of deliveries) seen.set(d.messageId, (seen.get(d.messageId) ?? 0) + 1);
  return [...seen.values()].reduce((n, c) => n + (c - 1), 0);
}
