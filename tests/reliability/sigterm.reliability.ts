// SIGTERM as Kubernetes sends it: a replica under load drains — requests in flight complete, nothing
// the replica processed goes unanswered — stops its outbox worker (even mid-send to a stalled mail
// server), and exits 0 within a few seconds (SHUTDOWN_TIMEOUT_MS bounds it; its timer exits 1).
import { installAppliances } from "./helpers/appliances.js";
import { describeTally, ms, setting, table, tally } from "./helpers/figures.js";
import { CHECK_IN, gql, REGISTER, type Answer } from "./helpers/http.js";
import { startReplica } from "./helpers/replicas.js";
import { startWorld, type World } from "./helpers/world.js";

const CONCURRENCY = setting("SIGTERM_CONCURRENCY", 24);
const LOAD_MS = setting("SIGTERM_LOAD_MS", 3000);

let w: World;
beforeAll(async () => {
  w = await startWorld({ label: "sigterm", replicas: 0 });
});
afterAll(() => w?.stop());

interface Sent {
  id: string;
  op: string;
  start: number;
  end: number;
  answer: Answer;
}

/** Requests in a loop until `until()` says stop; each carries its own X-Request-Id. */
async function load(url: string, appliances: { applianceId: string; credential: string }[], until: () => boolean, label: string): Promise<Sent[]> {
  const sent: Sent[] = [];
  let n = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      while (!until()) {
        const i = n++;
        const id = `${label}-${i}`;
        const start = Date.now();
        const a = appliances[i % appliances.length]!;
        const answer =
          worker % 2 === 0
            ? await gql(
                url,
                REGISTER,
                { input: { companyName: `Term ${id}`, contactEmail: `${id}@example.test`, edition: "PRO" } },
                { token: w.keys.store, requestId: id },
              )
            : await gql(url, CHECK_IN, { input: { applianceId: a.applianceId } }, { token: a.credential, requestId: id });
        sent.push({ id, op: worker % 2 === 0 ? "registerTenant" : "checkIn", start, end: Date.now(), answer });
        if (answer.kind === "network error") await new Promise((r) => setTimeout(r, 20));
      }
    }),
  );
  return sent;
}

async function processedIds(ids: string[]): Promise<Set<string>> {
  const { rows } = await w.db.pool.query<{ request_id: string }>(`SELECT request_id FROM audit_event WHERE request_id = ANY($1::text[])`, [ids]);
  return new Set(rows.map((r) => r.request_id));
}

test(`SIGTERM under load (${CONCURRENCY} callers): in-flight requests complete, every processed request is answered, exit 0 within seconds`, async () => {
  const victim = await startReplica("term", w.env);
  const appliances = await installAppliances(victim.url, w.keys.store, 12, "term");
  let stopAt = Infinity;
  const running = load(victim.url, appliances, () => Date.now() > stopAt, "term");
  await new Promise((r) => setTimeout(r, LOAD_MS));
  const signalAt = Date.now();
  const exit = await victim.stop("SIGTERM");
  stopAt = Date.now() + 500; // callers keep trying a little while after the exit
  const sent = await running;

  const inflight = sent.filter((s) => s.start < signalAt && s.end > signalAt);
  const after = sent.filter((s) => s.start >= signalAt);
  const failed = sent.filter((s) => s.answer.kind !== "ok");
  const processed = await processedIds(failed.map((s) => s.id));
  const unanswered = failed.filter((s) => processed.has(s.id));
  const okNotProcessed = [...(await processedIds(sent.filter((s) => s.answer.kind === "ok").map((s) => s.id)))].length;
  const logs = victim.logs();
  table("SIGTERM under load (one replica)", [
    {
      requests: sent.length,
      "in flight at SIGTERM": `${inflight.length}: ${describeTally(tally(inflight.map((s) => s.answer.kind)))}`,
      "sent after SIGTERM": `${after.length}: ${describeTally(tally(after.map((s) => s.answer.kind)))}`,
      "processed but unanswered": unanswered.length,
      exit: `code ${exit.code}${exit.signal ? ` signal ${exit.signal}` : ""}`,
      "exit after SIGTERM": ms(exit.ms),
    },
  ]);
  expect(exit).toMatchObject({ code: 0, signal: null });
  expect(inflight.filter((s) => s.answer.kind !== "ok").map((s) => `${s.op} ${s.answer.kind} ${s.answer.raw ?? ""}`)).toEqual([]);
  expect(unanswered.map((s) => s.id)).toEqual([]);
  expect(okNotProcessed).toBe(sent.filter((s) => s.answer.kind === "ok").length);
  expect(logs.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  expect(logs.some((l) => l.msg === "stopped")).toBe(true);
});

test("SIGTERM while the outbox is mid-send to a stalled mail server: exit 0 within seconds; the message is sent once, by another replica", async () => {
  // a world of its own: no other replica, no mail of the first test in the queue
  await w.stop();
  w = await startWorld({ label: "sigterm_mail", replicas: 0 });
  w.smtp.stallMs = 30_000;
  await w.smtp.set("stall");
  const victim = await startReplica("term-mail", { ...w.env, OUTBOX_POLL_MS: "200" });
  const regs: string[] = [];
  for (let i = 0; i < 3; i++) {
    const a = await gql(
      victim.url,
      REGISTER,
      { input: { companyName: `Stalled ${i}`, contactEmail: `stalled-${i}@example.test`, edition: "ESSENTIALS" } },
      { token: w.keys.store },
    );
    regs.push(a.data.registerTenant.tenantId);
  }
  // wait until the worker has claimed them (the sends are now hanging on the stalled server)
  for (let i = 0; i < 100; i++) {
    const { rows } = await w.db.pool.query(`SELECT count(*)::int AS n FROM email_outbox WHERE tenant_id = ANY($1::uuid[]) AND lease_token IS NOT NULL`, [regs]);
    if (rows[0].n === regs.length) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const exit = await victim.stop("SIGTERM");
  await w.smtp.set("accept");
  const { rows: left } = await w.db.pool.query(
    `SELECT status, attempts, lease_token IS NOT NULL AS leased, next_attempt_at <= now() AS due FROM email_outbox WHERE tenant_id = ANY($1::uuid[])`,
    [regs],
  );

  // the next replica sends what the stopped one gave back
  const heir = await startReplica("heir", { ...w.env, OUTBOX_POLL_MS: "200" });
  const deadline = Date.now() + 30_000;
  const mine = () => w.smtp.deliveries.filter((d) => /Stalled \d/.test(d.subject));
  while (mine().length < regs.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1000)); // a duplicate would arrive now
  const delivered = mine().length;
  await heir.stop();
  table("SIGTERM during a stalled send (mail server answers after 30 s)", [
    {
      exit: `code ${exit.code}`,
      "exit after SIGTERM": ms(exit.ms),
      "messages left (status / leased / due)": left.map((r) => `${r.status}/${r.leased ? "leased" : "free"}/${r.due ? "due" : "later"}`).join(", "),
      "abandoned by the server (no 250 sent)": w.smtp.abandoned,
      "delivered after the heir started": `${delivered} of ${regs.length}`,
    },
  ]);
  expect(exit).toMatchObject({ code: 0, signal: null });
  expect(exit.ms).toBeLessThan(10_000); // SHUTDOWN_TIMEOUT_MS: the timer would have exited 1
  expect(left.every((r) => r.status === "PENDING" && !r.leased && r.due)).toBe(true);
  expect(w.smtp.abandoned).toBe(regs.length); // the stopped replica hung up before the server took them
  expect(delivered).toBe(regs.length);
});
