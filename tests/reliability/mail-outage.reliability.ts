// The mail service fails while registrations keep coming, over two replicas: first it refuses every
// message (451, a temporary refusal), then it is unreachable (its port refuses connections). No
// registration fails, no message is lost or sent twice, and when the service is back the queue drains
// within seconds — not after a backoff that grew during the outage.
import { describeTally, seconds, setting, table, tally } from "./helpers/figures.js";
import { gql, REGISTER, retrying } from "./helpers/http.js";
import { duplicates, type SmtpMode } from "./helpers/smtp.js";
import { replicaUrl, startWorld, type World } from "./helpers/world.js";

const REFUSE_MS = setting("MAIL_REFUSE_SECONDS", 37) * 1000;
const REFUSE_MAILS = setting("MAIL_REFUSE_MAILS", 100);
const DOWN_MS = setting("MAIL_DOWN_SECONDS", 20) * 1000;
const DOWN_MAILS = setting("MAIL_DOWN_MAILS", 30);
const FEW_MS = setting("MAIL_FEW_SECONDS", 30) * 1000;
/** a small attempt budget, so an outage longer than it shows whether it burns messages' attempts */
const MAX_ATTEMPTS = 4;
/** "within seconds": the worker probes every 2 s; this bound leaves room for a loaded machine */
const DRAIN_BOUND_MS = 20_000;

let w: World;
beforeAll(async () => {
  w = await startWorld({ label: "mail", replicas: 2, env: { MAIL_MAX_ATTEMPTS: String(MAX_ATTEMPTS) } });
});
afterAll(() => w?.stop());

/** `spread`: registrations over most of the outage (messages at every stage of their backoff); else all at its start */
async function outage(mode: SmtpMode, outageMs: number, mails: number, label: string, spread: boolean) {
  await w.smtp.set(mode);
  const started = Date.now();
  const spacing = spread ? Math.max(1, Math.floor((outageMs * 0.8) / mails)) : 0;
  const answers = await Promise.all(
    Array.from({ length: mails }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * spacing));
      return retrying(() =>
        gql(
          replicaUrl(w, i),
          REGISTER,
          { input: { companyName: `${label} ${i}`, contactEmail: `${label.toLowerCase()}-${i}@example.test`, edition: "ESSENTIALS" } },
          { token: w.keys.store },
        ),
      );
    }),
  );
  await new Promise((r) => setTimeout(r, Math.max(0, outageMs - (Date.now() - started))));
  const deliveredDuring = w.smtp.deliveries.filter((d) => d.subject.includes(label)).length;
  await w.smtp.set("accept");
  const backAt = Date.now();
  const mine = () => w.smtp.deliveries.filter((d) => d.subject.includes(label));
  const deadline = backAt + 5 * 60_000;
  while (new Set(mine().map((d) => d.messageId)).size < mails && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 2000)); // a duplicate would arrive now
  const got = mine();
  const { rows } = await w.db.pool.query<{ status: string; n: number; max_attempts: number }>(
    `SELECT o.status, count(*)::int AS n, max(o.attempts)::int AS max_attempts FROM email_outbox o JOIN tenant_registry t ON t.tenant_id = o.tenant_id
      WHERE t.company_name LIKE $1 GROUP BY o.status`,
    [`${label} %`],
  );
  return {
    answers: tally(answers.map((a) => a.kind)),
    retries: answers.reduce((n, a) => n + a.retries, 0),
    deliveredDuring,
    delivered: new Set(got.map((d) => d.messageId)).size,
    duplicates: duplicates(got),
    firstAfterMs: got.length ? Math.min(...got.map((d) => d.at)) - backAt : NaN,
    drainMs: got.length ? Math.max(...got.map((d) => d.at)) - backAt : NaN,
    outbox: Object.fromEntries(rows.map((r) => [r.status, r.n])),
    maxAttempts: Math.max(0, ...rows.map((r) => r.max_attempts)),
  };
}

test(`a mail service refusing (451) for ${REFUSE_MS / 1000} s during ${REFUSE_MAILS} registrations, unreachable for ${DOWN_MS / 1000} s during ${DOWN_MAILS}, refusing for ${FEW_MS / 1000} s after 3: nothing lost or doubled, drained within seconds of its return`, async () => {
  const refused = await outage("refuse", REFUSE_MS, REFUSE_MAILS, "Refused", true);
  const down = await outage("down", DOWN_MS, DOWN_MAILS, "Unreachable", true);
  // a quiet hour: a few registrations at the start, so every message is deep in its backoff at the return
  const few = await outage("refuse", FEW_MS, 3, "Quiet", false);
  const row = (name: string, r: Awaited<ReturnType<typeof outage>>, mails: number) => ({
    outage: name,
    registrations: `${describeTally(r.answers)}${r.retries ? ` (${r.retries} SERVICE_BUSY retried)` : ""}`,
    "delivered during": r.deliveredDuring,
    "delivered / unique / duplicates": `${r.delivered}/${mails} / ${r.delivered} / ${r.duplicates}`,
    "first after return": seconds(r.firstAfterMs),
    "all delivered after return": seconds(r.drainMs),
    "outbox rows": describeTally(r.outbox),
    "most attempts of one message": r.maxAttempts,
  });
  table(
    `Mail outage over 2 replicas (OUTBOX_POLL_MS 2000, MAIL_RETRY_MAX_SECONDS default, MAIL_MAX_ATTEMPTS ${MAX_ATTEMPTS})`,
    [
      row(`refusing 451, ${seconds(REFUSE_MS)}, registrations throughout`, refused, REFUSE_MAILS),
      row(`unreachable, ${seconds(DOWN_MS)}, registrations throughout`, down, DOWN_MAILS),
      row(`refusing 451, ${seconds(FEW_MS)}, 3 registrations at its start`, few, 3),
    ],
    [`Refusals answered by the mail service: ${w.smtp.refusals}.`],
  );
  for (const [r, mails] of [
    [refused, REFUSE_MAILS],
    [down, DOWN_MAILS],
    [few, 3],
  ] as const) {
    expect(r.answers).toEqual({ ok: mails });
    expect(r.delivered).toBe(mails);
    expect(r.duplicates).toBe(0);
    expect(r.outbox).toEqual({ SENT: mails });
    expect(r.drainMs).toBeLessThan(DRAIN_BOUND_MS);
    // an outage of the service costs the messages (almost) none of their MAIL_MAX_ATTEMPTS
    expect(r.maxAttempts).toBeLessThan(MAX_ATTEMPTS);
  }
});

test("one mailbox refusing (451) while the others take mail: only its message waits (backing off, attempts counted), the rest flow", async () => {
  const bad = "full-mailbox@example.test";
  w.smtp.refuseRecipients.add(bad);
  const started = Date.now();
  const answers = [];
  for (let i = 0; i < 20; i++) {
    const email = i === 0 ? bad : `flowing-${i}@example.test`;
    answers.push(
      await gql(replicaUrl(w, i), REGISTER, { input: { companyName: `Mailbox ${i}`, contactEmail: email, edition: "ESSENTIALS" } }, { token: w.keys.store }),
    );
    await new Promise((r) => setTimeout(r, 500));
  }
  const others = () => w.smtp.deliveries.filter((d) => /Mailbox \d/.test(d.subject));
  while (others().length < 19 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 100));
  const flowMs = Date.now() - started;
  const { rows } = await w.db.pool.query<{ attempts: number; status: string; wait: number }>(
    `SELECT attempts, status, extract(epoch FROM next_attempt_at - now())::float AS wait FROM email_outbox WHERE recipient = $1`,
    [bad],
  );
  w.smtp.refuseRecipients.clear();
  table("One mailbox refusing among flowing mail (2 replicas)", [
    {
      registrations: describeTally(tally(answers.map((a) => a.kind))),
      "others delivered": `${others().length}/19 in ${seconds(flowMs)}`,
      "refused message": `${rows[0]?.status}, ${rows[0]?.attempts} attempt(s) counted, next in ${rows[0]?.wait.toFixed(0)} s`,
    },
  ]);
  expect(others()).toHaveLength(19);
  expect(duplicates(others())).toBe(0);
  expect(rows[0]).toMatchObject({ status: "PENDING" });
  // backed off, not retried every few seconds: over ~10-20 s a 5 s-based backoff allows at most a few
  expect(rows[0]!.attempts).toBeLessThanOrEqual(4);
  expect(rows[0]!.wait).toBeGreaterThan(0);
});
