import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { drainOutbox } from "../api/src/mail/outbox-worker.js";
import { folderTransport, smtpTransport } from "../api/src/mail/transport.js";
import { REGISTER, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { eventually } from "./helpers/eventually.js";

let t: TestPlane;
beforeAll(async () => {
  t = await startTestPlane();
});
afterAll(() => t.stop());

const silent = pino({ level: "silent" });

describe("email outbox", () => {
  it("a mail outage never fails a registration nor loses the message: it is retried until SMTP is back", async () => {
    t.smtp.refuse = true;
    const email = `outage-${Date.now()}@example.test`;
    const res = await t.gql(REGISTER, { input: { companyName: "Outage", contactEmail: email, edition: "PRO" } }, { token: t.keys.store });
    expect(res.errors).toBeUndefined();
    const code = res.data.registerTenant.installCode as string;
    const prisma = t.plane.services.prisma;
    // wait until the worker has failed at least once
    const failed = await eventually(
      () => prisma.emailOutbox.findFirstOrThrow({ where: { recipient: email } }),
      (r) => r.attempts >= 1 && !!r.lastError,
    );
    expect(failed).toMatchObject({ status: "PENDING" });
    expect(failed.lastError).toMatch(/451|unavailable/);
    expect(failed.nextAttemptAt.getTime()).toBeGreaterThan(Date.now()); // backed off
    expect(failed.sealedMessage).not.toBeNull();
    expect(failed.sealedMessage).not.toContain(code); // sealed, not plaintext

    t.smtp.refuse = false;
    await prisma.emailOutbox.update({ where: { id: failed.id }, data: { nextAttemptAt: new Date() } }); // skip the wait
    const mail = await t.smtp.waitFor((m) => m.text?.includes(code) ?? false);
    expect(mail.subject).toContain("Outage");
    const sent = await eventually(
      () => prisma.emailOutbox.findFirstOrThrow({ where: { id: failed.id } }),
      (r) => r.status === "SENT",
    );
    expect(sent).toMatchObject({ status: "SENT", sealedMessage: null, attempts: 2 });
  });

  it("parks a message as DEAD (still sealed, not lost) after the maximum attempts", async () => {
    const prisma = t.plane.services.prisma;
    const row = await prisma.emailOutbox.create({
      data: {
        recipient: "dead@example.test",
        kind: "test",
        sealedMessage: t.plane.services.secret.seal(JSON.stringify({ subject: "s", text: "t", html: "h" })),
      },
    });
    const failing = Object.assign(
      async (): Promise<never> => {
        throw new Error("smtp down");
      },
      { verify: async () => {}, close: () => {} },
    );
    for (let i = 0; i < 3; i++) {
      await prisma.emailOutbox.update({ where: { id: row.id }, data: { nextAttemptAt: new Date(0) } });
      await drainOutbox({ db: t.plane.services.db, secret: t.plane.services.secret, send: failing, from: "x@y", maxAttempts: 3, log: silent });
    }
    const dead = await prisma.emailOutbox.findUniqueOrThrow({ where: { id: row.id } });
    expect(dead).toMatchObject({ status: "DEAD", attempts: 3 });
    expect(dead.sealedMessage).not.toBeNull();
  });

  it("several workers draining at once (here three plus the API's own) never send a message twice", async () => {
    const prisma = t.plane.services.prisma;
    const secret = t.plane.services.secret;
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await prisma.emailOutbox.create({
        data: {
          recipient: `bulk${i}@example.test`,
          kind: "test",
          sealedMessage: secret.seal(JSON.stringify({ subject: `bulk ${i}`, text: "t", html: "h" })),
          nextAttemptAt: new Date(Date.now() + 3_600_000),
        },
      });
      ids.push(r.id);
    }
    const sentIds: string[] = [];
    const send = Object.assign(
      async (m: { messageId?: string }) => {
        sentIds.push(m.messageId!);
        await new Promise((r) => setTimeout(r, 5));
        return { messageId: m.messageId! };
      },
      { verify: async () => {}, close: () => {} },
    );
    await prisma.emailOutbox.updateMany({ where: { id: { in: ids } }, data: { nextAttemptAt: new Date(0) } });
    const opts = { db: t.plane.services.db, secret, send, from: "x@y", maxAttempts: 5, log: silent };
    for (let round = 0; round < 6; round++) await Promise.all([drainOutbox(opts), drainOutbox(opts), drainOutbox(opts)]);
    // the API's own worker delivered some of them over SMTP: wait for it, then count both senders
    const delivered = () => [...sentIds, ...t.smtp.messages.filter((m) => m.subject?.startsWith("bulk ")).map((m) => m.messageId!)];
    for (let i = 0; i < 200; i++) {
      const sent = await prisma.emailOutbox.count({ where: { id: { in: ids }, status: "SENT" } });
      if (sent === 30 && delivered().length >= 30) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300)); // a duplicate would show up now
    const all = delivered().filter((m) => ids.some((id) => m.includes(id)));
    expect(new Set(all).size).toBe(30);
    expect(all).toHaveLength(30);
    expect(await prisma.emailOutbox.count({ where: { id: { in: ids }, status: "SENT" } })).toBe(30);
  });

  it("the local default writes .eml files with text and HTML parts", async () => {
    const dir = path.join(t.dataDir, "eml-test");
    const send = folderTransport(dir);
    const info = await send({ from: "a@b.test", to: "c@d.test", subject: "Hello", text: "plain body", html: "<p>html body</p>" });
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(info.location).toBe(path.join(dir, files[0]!));
    const eml = readFileSync(info.location!, "utf8");
    expect(eml).toMatch(/^Subject: Hello$/m);
    expect(eml).toContain("plain body");
    expect(eml).toContain("<p>html body</p>");
    send.close();
  });

  it("SMTP transport delivers to a real SMTP server", async () => {
    const send = smtpTransport(t.smtp.url);
    await send({ from: "a@b.test", to: "direct@example.test", subject: "Direct", text: "direct text", html: "<b>x</b>" });
    expect((await t.smtp.waitFor((m) => m.subject === "Direct")).text).toContain("direct text");
    send.close();
  });
});
