// A redemption burst over two replicas: many callers per code, all at once. Every caller must get a
// contract answer (the winner, CONSUMED_INSTALL_CODE, or the retryable SERVICE_BUSY), every code must
// have exactly one winner — never none because every caller errored — and the database must agree.
import { describeTally, ms, percentile, setting, table, tally } from "./helpers/figures.js";
import { gql, pool, REDEEM, REGISTER, retryableProblems, type Answer } from "./helpers/http.js";
import { clientAddress, replicaUrl, startWorld, type World } from "./helpers/world.js";

const ROUNDS = setting("BURST_ROUNDS", 3);
const CODES = setting("BURST_CODES", 50);
const CALLERS = setting("BURST_CALLERS", 500);
const REPLICAS = setting("BURST_REPLICAS", 2);
const ALLOWED = new Set(["ok", "CONSUMED_INSTALL_CODE", "SERVICE_BUSY"]);

let w: World;
beforeAll(async () => {
  // the product's defaults: DATABASE_POOL_SIZE 10, DATABASE_POOL_TIMEOUT_MS 3000, MAX_INFLIGHT_REQUESTS 256
  w = await startWorld({ label: "burst", replicas: REPLICAS });
});
afterAll(() => w?.stop());

test(`${CALLERS} concurrent redeems of ${CODES} codes over ${REPLICAS} replicas (×${ROUNDS}): one winner per code, a contract answer for every caller`, async () => {
  const rows: Record<string, string | number>[] = [];
  const problems: string[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const codes = await pool(CODES, 8, async (i) => {
      const a = await gql(replicaUrl(w, i), REGISTER, { input: { companyName: `Burst ${round}-${i}`, contactEmail: `burst-${round}-${i}@example.test`, edition: "PRO" } }, { token: w.keys.store });
      if (a.kind !== "ok") throw new Error(`registration failed: ${a.kind} ${JSON.stringify(a.errors)}`);
      return a.data.registerTenant as { tenantId: string; installCode: string };
    });

    const started = performance.now();
    const call = (i: number, attempt = 0) =>
      gql(replicaUrl(w, i + attempt), REDEEM, { input: { installCode: codes[i % CODES]!.installCode, applianceId: `burst-${round}-${i}` } }, { clientAddress: clientAddress(round * 100_000 + i) });
    const first: Answer[] = await Promise.all(Array.from({ length: CALLERS }, (_, i) => call(i)));
    const wall = performance.now() - started;
    // a caller told SERVICE_BUSY retries as told (a loaded machine may answer some); the others are final
    let retried = 0;
    const answers = await Promise.all(
      first.map(async (a, i) => {
        for (let attempt = 1; a.kind === "SERVICE_BUSY" && attempt <= 10; attempt++) {
          for (const p of retryableProblems(a)) problems.push(`round ${round}: SERVICE_BUSY with ${p}`);
          retried++;
          await new Promise((r) => setTimeout(r, Number(a.retryAfter ?? 1) * 1000));
          a = await call(i, attempt);
        }
        return a;
      }),
    );

    const kinds = tally(first.map((a) => a.kind));
    const winners = new Map<number, number>();
    answers.forEach((a, i) => a.kind === "ok" && winners.set(i % CODES, (winners.get(i % CODES) ?? 0) + 1));
    const unwon = codes.filter((_, c) => !winners.get(c)).length;
    const doubly = [...winners.values()].filter((n) => n > 1).length;
    for (const a of first) if (!ALLOWED.has(a.kind)) problems.push(`round ${round}: ${a.kind} ${a.raw ?? JSON.stringify(a.errors)}`);
    for (const a of answers) if (a.kind !== "ok" && a.kind !== "CONSUMED_INSTALL_CODE") problems.push(`round ${round}: final answer ${a.kind}`);
    const ids = codes.map((c) => c.tenantId);
    const { rows: db } = await w.db.pool.query<{ consumed: number; appliances: number; audits: number; overbound: number }>(
      `SELECT (SELECT count(*) FROM install_code WHERE tenant_id = ANY($1::uuid[]) AND consumed_at IS NOT NULL)::int AS consumed,
              (SELECT count(*) FROM appliance WHERE tenant_id = ANY($1::uuid[]))::int AS appliances,
              (SELECT count(*) FROM audit_event WHERE tenant_id = ANY($1::uuid[]) AND action = 'install_code.redeemed')::int AS audits,
              (SELECT count(*) FROM (SELECT tenant_id FROM appliance WHERE tenant_id = ANY($1::uuid[]) GROUP BY tenant_id HAVING count(*) > 1) x)::int AS overbound`,
      [ids],
    );
    const lat = first.map((a) => a.ms);
    rows.push({
      round,
      answers: describeTally(kinds),
      "busy, retried": retried,
      "codes won": `${CODES - unwon}/${CODES}`,
      "codes won twice": doubly,
      "consumed / appliances / audits (db)": `${db[0]!.consumed} / ${db[0]!.appliances} / ${db[0]!.audits}`,
      p50: ms(percentile(lat, 0.5)),
      p99: ms(percentile(lat, 0.99)),
      wall: ms(wall),
    });
    if (unwon) problems.push(`round ${round}: ${unwon} code(s) without a winner`);
    if (doubly) problems.push(`round ${round}: ${doubly} code(s) won twice`);
    if (db[0]!.consumed !== CODES || db[0]!.appliances !== CODES || db[0]!.audits !== CODES || db[0]!.overbound) problems.push(`round ${round}: database ${JSON.stringify(db[0])}`);
  }
  const unexpected = w.replicas.flatMap((r) => r.logs().filter((l) => l.level >= 50 && l.msg !== "request failed"));
  table(`Redemption burst: ${CALLERS} concurrent redeems of ${CODES} codes, ${REPLICAS} replicas (pool ${10} each)`, rows, [
    `Unexpected error log lines: ${unexpected.length}.`,
  ]);
  expect(problems).toEqual([]);
  expect(unexpected.map((l) => l.msg)).toEqual([]);
});

test(`saturated (DATABASE_POOL_SIZE=2, DATABASE_POOL_TIMEOUT_MS=250): busy answers are retryable, and callers retrying as told leave every code won exactly once`, async () => {
  const sat = await startWorld({ label: "burst_sat", replicas: REPLICAS, env: { DATABASE_POOL_SIZE: "2", DATABASE_POOL_TIMEOUT_MS: "250" } });
  try {
    const codes = await pool(CODES, 4, async (i) => {
      for (;;) {
        const a = await gql(replicaUrl(sat, i), REGISTER, { input: { companyName: `Sat ${i}`, contactEmail: `sat-${i}@example.test`, edition: "PRO" } }, { token: sat.keys.store });
        if (a.kind === "ok") return a.data.registerTenant as { tenantId: string; installCode: string };
        if (a.kind !== "SERVICE_BUSY") throw new Error(`registration failed: ${a.kind}`);
      }
    });
    const firstAnswers: string[] = [];
    const problems: string[] = [];
    let retries = 0;
    const started = performance.now();
    // a caller as the console behaves: retry a retryable answer after Retry-After (bounded)
    const finals = await Promise.all(
      Array.from({ length: CALLERS }, async (_, i) => {
        for (let attempt = 0; ; attempt++) {
          const a = await gql(replicaUrl(sat, i + attempt), REDEEM, { input: { installCode: codes[i % CODES]!.installCode, applianceId: `sat-${i}` } }, { clientAddress: clientAddress(900_000 + i) });
          if (attempt === 0) firstAnswers.push(a.kind);
          if (a.kind === "SERVICE_BUSY") for (const p of retryableProblems(a)) problems.push(`SERVICE_BUSY with ${p}`);
          if (a.kind !== "SERVICE_BUSY" || attempt >= 20) return a;
          retries++;
          await new Promise((r) => setTimeout(r, Number(a.retryAfter ?? 1) * 1000 * (0.5 + Math.random())));
        }
      }),
    );
    const wall = performance.now() - started;
    // a replica that died under the burst (e.g. an unhandled rejection) shows here and as network errors
    const died = sat.replicas.filter((r) => r.child.exitCode !== null || r.child.signalCode !== null).map((r) => `${r.name}: ${r.stderr().split("\n").filter((l) => /Error/.test(l))[0] ?? "exited"}`);
    const winners = new Map<number, number>();
    finals.forEach((a, i) => a.kind === "ok" && winners.set(i % CODES, (winners.get(i % CODES) ?? 0) + 1));
    for (const a of finals) if (a.kind !== "ok" && a.kind !== "CONSUMED_INSTALL_CODE") problems.push(`final answer ${a.kind}`);
    const { rows: db } = await sat.db.pool.query<{ consumed: number; appliances: number }>(
      `SELECT (SELECT count(*) FROM install_code WHERE tenant_id = ANY($1::uuid[]) AND consumed_at IS NOT NULL)::int AS consumed,
              (SELECT count(*) FROM appliance WHERE tenant_id = ANY($1::uuid[]))::int AS appliances`,
      [codes.map((c) => c.tenantId)],
    );
    table(`Redemption burst, saturated: ${CALLERS} callers of ${CODES} codes, ${REPLICAS} replicas with a pool of 2 and a 250 ms pool timeout`, [
      {
        "first answers": describeTally(tally(firstAnswers)),
        "final answers (after retries)": describeTally(tally(finals.map((a) => a.kind))),
        retries,
        "codes won": `${winners.size}/${CODES}`,
        "won twice": [...winners.values()].filter((n) => n > 1).length,
        "consumed / appliances (db)": `${db[0]!.consumed} / ${db[0]!.appliances}`,
        wall: ms(wall),
      },
    ]);
    for (const k of firstAnswers) if (!ALLOWED.has(k)) problems.push(`first answer ${k}`);
    expect(died).toEqual([]);
    expect(problems).toEqual([]);
    expect(winners.size).toBe(CODES);
    expect([...winners.values()].every((n) => n === 1)).toBe(true);
    expect(db[0]).toEqual({ consumed: CODES, appliances: CODES });
  } finally {
    await sat.stop();
  }
});

test("load shedding (MAX_INFLIGHT_REQUESTS=20): beyond it a burst is answered SERVICE_BUSY without queueing — 503, Retry-After, a request id — and nothing of a shed request is processed", async () => {
  const shed = await startWorld({ label: "burst_shed", replicas: 1, env: { MAX_INFLIGHT_REQUESTS: "20" } });
  try {
    const url = shed.replicas[0]!.url;
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        gql(url, REGISTER, { input: { companyName: `Shed ${i}`, contactEmail: `shed-${i}@example.test`, edition: "ESSENTIALS" } }, { token: shed.keys.store, requestId: `shed-${i}` }),
      ),
    );
    const busy = answers.map((a, i) => ({ a, id: `shed-${i}` })).filter(({ a }) => a.kind === "SERVICE_BUSY");
    const problems = busy.flatMap(({ a, id }) => [...retryableProblems(a), ...(a.requestId === id ? [] : ["requestId is not the request's"])]);
    const { rows } = await shed.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_event WHERE request_id = ANY($1::text[])`, [busy.map((b) => b.id)]);
    const okCount = answers.filter((a) => a.kind === "ok").length;
    const { rows: tenants } = await shed.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM tenant_registry WHERE company_name LIKE 'Shed %'`);
    table("Load shedding: 300 concurrent registrations, one replica, MAX_INFLIGHT_REQUESTS=20", [
      {
        answers: describeTally(tally(answers.map((a) => a.kind))),
        "shed answers p99": ms(percentile(busy.map((b) => b.a.ms), 0.99)),
        "shed requests processed": rows[0]!.n,
        "tenants created / ok answers": `${tenants[0]!.n} / ${okCount}`,
      },
    ]);
    expect(answers.every((a) => a.kind === "ok" || a.kind === "SERVICE_BUSY")).toBe(true);
    expect(busy.length).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    expect(rows[0]!.n).toBe(0);
    expect(tenants[0]!.n).toBe(okCount);
  } finally {
    await shed.stop();
  }
});
