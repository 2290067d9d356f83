// A mail server that stalls every message (its answer to DATA comes 20 s late), with two replicas'
// outbox workers competing for the queue: each message is delivered exactly once (one claim per
// message under a lease, sends never outliving the lease, fenced final writes).
import { seconds, setting, table } from "./helpers/figures.js";
import { gql, REGISTER, retrying } from "./helpers/http.js";
import { duplicates } from "./helpers/smtp.js";
import { replicaUrl, startWorld, type World } from "./helpers/world.js";

const MAILS = setting("STALL_MAILS", 30);
const STALL_MS = setting("STALL_SECONDS", 20) * 1000;

let w: World;
beforeAll(async () => {
  w = await startWorld({ label: "stall", replicas: 2 });
});
afterAll(() => w?.stop());

test(`a mail server stalling ${STALL_MS / 1000} s per message, 2 replicas, ${MAILS} mails: each delivered exactly once`, async () => {
  w.smtp.stallMs = STALL_MS;
  await w.smtp.set("stall");
  const started = Date.now();
  const answers = await Promise.all(
    Array.from({ length: MAILS }, (_, i) =>
      retrying(() =>
        gql(
          replicaUrl(w, i),
          REGISTER,
          { input: { companyName: `Stall ${i}`, contactEmail: `stall-${i}@example.test`, edition: "ESSENTIALS" } },
          { token: w.keys.store },
        ),
      ),
    ),
  );
  const mine = () => w.smtp.deliveries.filter((d) => /Stall \d/.test(d.subject));
  const deadline = started + Math.max(180_000, (MAILS / 4) * STALL_MS * 2);
  while (mine().length < MAILS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const allAt = Date.now();
  await new Promise((r) => setTimeout(r, STALL_MS + 2000)); // a second send of any message would land by now
  const got = mine();
  const { rows } = await w.db.pool.query<{ status: string; n: number; attempts: number }>(
    `SELECT o.status, count(*)::int AS n, max(o.attempts)::int AS attempts FROM email_outbox o JOIN tenant_registry t ON t.tenant_id = o.tenant_id
      WHERE t.company_name LIKE 'Stall %' GROUP BY o.status`,
  );
  const bySender = w.replicas.map((r) => r.logs().filter((l) => l.msg === "email sent").length);
  table(`Stalled mail server (${seconds(STALL_MS)} per message), 2 replicas (outbox concurrency 4 each)`, [
    {
      registrations: `${answers.filter((a) => a.kind === "ok").length}/${MAILS} ok`,
      deliveries: got.length,
      "unique Message-IDs": new Set(got.map((d) => d.messageId)).size,
      duplicates: duplicates(got),
      "sent by replica": bySender.join(" + "),
      "outbox rows": rows.map((r) => `${r.status} ${r.n} (max ${r.attempts} attempt)`).join(", "),
      "all delivered after": seconds(allAt - started),
    },
  ]);
  await w.smtp.set("accept");
  expect(answers.every((a) => a.kind === "ok")).toBe(true);
  expect(got).toHaveLength(MAILS);
  expect(duplicates(got)).toBe(0);
  expect(rows).toEqual([{ status: "SENT", n: MAILS, attempts: 1 }]);
});
