// A redemption burst over two replicas: many callers per code, all at once, the callers of each code
// spread over both replicas (so replicas race for one code). Every caller must get a contract answer
// (the winner, CONSUMED_INSTALL_CODE, or the retryable SERVICE_BUSY), every code must have exactly one
// winner — never none because every caller errored — and the database must agree. With a replica
// killed (-9) mid-burst, every code whose winning answer was lost is recovered by its appliance's
// retry with its redemption key.
import { randomBytes } from "node:crypto";
import { halfWrittenRows } from "./helpers/database.js";
import { describeTally, ms, percentile, setting, table, tally } from "./helpers/figures.js";
import { CHECK_IN, gql, pool, REDEEM, REGISTER, retryableProblems, RETRYABLE, type Answer } from "./helpers/http.js";
import { startReplica } from "./helpers/replicas.js";
import { clientAddress, replicaUrl, startWorld, type World } from "./helpers/world.js";

const ROUNDS = setting("BURST_ROUNDS", 3);
const CODES = setting("BURST_CODES", 50);
const CALLERS = setting("BURST_CALLERS", 500);
const REPLICAS = setting("BURST_REPLICAS", 2);
const KILL_ROUNDS = setting("BURST_KILL_ROUNDS", 2);
/** the replica is killed once it has committed this many redemptions of the burst */
const KILL_AFTER = setting("BURST_KILL_AFTER", 10);
const ALLOWED = new Set(["ok", "CONSUMED_INSTALL_CODE", "SERVICE_BUSY"]);
const REDEEM_KEYED = `mutation Redeem($input: RedeemInstallCodeInput!) {
  redeemInstallCode(input: $input) { tenantId edition applianceCredential replayed }
}`;

/**
 * The replica the i-th caller (of code i mod CODES) reaches on an attempt: a caller's index plus its
 * wave, so the callers of one code alternate over the replicas (i alone would send every caller of a
 * code to the same replica whenever CODES is a multiple of the replica count).
 */
const replicaFor = (i: number, attempt = 0) => i + Math.floor(i / CODES) + attempt;

test("the callers of every code reach every replica", () => {
  for (let c = 0; c < CODES; c++) {
    const reached = new Set<number>();
    for (let i = c; i < CALLERS; i += CODES) reached.add(replicaFor(i) % REPLICAS);
    expect(reached.size).toBe(Math.min(REPLICAS, Math.ceil((CALLERS - c) / CODES)));
  }
});

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
      const a = await gql(
        replicaUrl(w, i),
        REGISTER,
        { input: { companyName: `Burst ${round}-${i}`, contactEmail: `burst-${round}-${i}@example.test`, edition: "PRO" } },
        { token: w.keys.store },
      );
      if (a.kind !== "ok") throw new Error(`registration failed: ${a.kind} ${JSON.stringify(a.errors)}`);
      return a.data.registerTenant as { tenantId: string; installCode: string };
    });

    const started = performance.now();
    const call = (i: number, attempt = 0) =>
      gql(
        replicaUrl(w, replicaFor(i, attempt)),
        REDEEM,
        { input: { installCode: codes[i % CODES]!.installCode, applianceId: `burst-${round}-${i}` } },
        { clientAddress: clientAddress(round * 100_000 + i) },
      );
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
    if (db[0]!.consumed !== CODES || db[0]!.appliances !== CODES || db[0]!.audits !== CODES || db[0]!.overbound)
      problems.push(`round ${round}: database ${JSON.stringify(db[0])}`);
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
        const a = await gql(
          replicaUrl(sat, i),
          REGISTER,
          { input: { companyName: `Sat ${i}`, contactEmail: `sat-${i}@example.test`, edition: "PRO" } },
          { token: sat.keys.store },
        );
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
          const a = await gql(
            replicaUrl(sat, replicaFor(i, attempt)),
            REDEEM,
            { input: { installCode: codes[i % CODES]!.installCode, applianceId: `sat-${i}` } },
            { clientAddress: clientAddress(900_000 + i) },
          );
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
    const died = sat.replicas
      .filter((r) => r.child.exitCode !== null || r.child.signalCode !== null)
      .map(
        (r) =>
          `${r.name}: ${
            r
              .stderr()
              .split("\n")
              .filter((l) => /Error/.test(l))[0] ?? "exited"
          }`,
      );
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

test(`kill -9 of a replica mid-burst (${CALLERS} callers of ${CODES} codes over 2 replicas, ×${KILL_ROUNDS}): every code whose answer was lost is recovered by its appliance's retry with its redemption key`, async () => {
  const kw = await startWorld({ label: "burst_kill", replicas: 2 });
  const rows: Record<string, string | number>[] = [];
  const problems: string[] = [];
  try {
    // the keyed rounds, then one round of callers without keys: what a lost answer cost before
    for (let round = 1; round <= KILL_ROUNDS + 1; round++) {
      const keyed = round <= KILL_ROUNDS;
      const label = keyed ? `${round}` : `${round} (no keys)`;
      // registered over both replicas: the one restarted for this round is warm when the burst starts
      const codes = await pool(CODES, 8, async (i) => {
        const a = await gql(
          replicaUrl(kw, i),
          REGISTER,
          { input: { companyName: `Kill ${round}-${i}`, contactEmail: `kill-${round}-${i}@example.test`, edition: "PRO" } },
          { token: kw.keys.store },
        );
        if (a.kind !== "ok") throw new Error(`registration failed: ${a.kind} ${JSON.stringify(a.errors)}`);
        return a.data.registerTenant as { tenantId: string; installCode: string };
      });
      const ids = codes.map((c) => c.tenantId);
      const callers = Array.from({ length: CALLERS }, (_, i) => ({
        applianceId: `kill-${round}-${i}`,
        redemptionKey: keyed ? randomBytes(32).toString("base64url") : undefined,
        address: clientAddress(2_000_000 + round * 100_000 + i),
      }));
      const urls = kw.replicas.map((r) => r.url);
      // the request id says which replica an attempt went to (the audit rows keep it)
      const call = (i: number, attempt: number) => {
        const replica = replicaFor(i, attempt) % urls.length;
        return gql(
          urls[replica]!,
          REDEEM_KEYED,
          { input: { installCode: codes[i % CODES]!.installCode, applianceId: callers[i]!.applianceId, redemptionKey: callers[i]!.redemptionKey } },
          {
            clientAddress: callers[i]!.address,
            requestId: `kill-${round}-r${replica}-${i}-${attempt}`,
          },
        );
      };

      // kill -9 the second replica once it has committed some of the burst's redemptions: those still
      // on their way to the caller, and everything else in flight there, are lost
      const victim = kw.replicas[1]!;
      let stop = false;
      const killer = (async () => {
        const deadline = Date.now() + 30_000;
        while (!stop && Date.now() < deadline) {
          const { rows: n } = await kw.db.pool.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM audit_event WHERE action = 'install_code.redeemed' AND request_id LIKE $1`,
            [`kill-${round}-r1-%`],
          );
          if (n[0]!.n >= KILL_AFTER) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        victim.child.kill("SIGKILL");
        const { rows: n } = await kw.db.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM install_code WHERE tenant_id = ANY($1::uuid[]) AND consumed_at IS NOT NULL`,
          [ids],
        );
        return n[0]!.n;
      })();
      const started = performance.now();
      const firsts: Answer[] = new Array(CALLERS);
      // an appliance retries what got no answer (or a retryable one) with the same code, id and key
      const finals = await Promise.all(
        callers.map(async (_, i) => {
          for (let attempt = 0; ; attempt++) {
            const a = await call(i, attempt);
            if (attempt === 0) firsts[i] = a;
            const again = a.kind === "network error" || RETRYABLE.has(a.kind);
            if (!again || attempt >= 12) return { ...a, attempts: attempt + 1 };
            await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random())));
          }
        }),
      );
      stop = true;
      const consumedAtKill = await killer;
      await victim.exited;
      const wall = performance.now() - started;

      const { rows: won } = await kw.db.pool.query<{ tenant_id: string; consumed_by: string }>(
        `SELECT tenant_id, consumed_by FROM install_code WHERE tenant_id = ANY($1::uuid[]) AND consumed_at IS NOT NULL`,
        [ids],
      );
      const winnerOf = new Map(won.map((r) => [r.tenant_id, Number(r.consumed_by.split("-").at(-1))]));
      let lost = 0;
      let recovered = 0;
      let burned = 0;
      const liveChecks: Promise<Answer>[] = [];
      for (const c of codes) {
        const w = winnerOf.get(c.tenantId);
        if (w === undefined) {
          problems.push(`round ${label}: a code without a winner`);
          continue;
        }
        // the winning redemption's answer was lost when its appliance got it only as a replay, or never
        const finalOk = finals[w]!.kind === "ok";
        const replayed = finalOk && finals[w]!.data.redeemInstallCode.replayed === true;
        if (replayed || !finalOk) lost++;
        if (replayed) recovered++;
        if (!finalOk) burned++;
        if (finalOk)
          liveChecks.push(
            gql(urls[0]!, CHECK_IN, { input: { applianceId: callers[w]!.applianceId } }, { token: finals[w]!.data.redeemInstallCode.applianceCredential }),
          );
      }
      const live = (await Promise.all(liveChecks)).filter((a) => a.kind === "ok").length;
      const okFinals = finals.filter((a) => a.kind === "ok").length;
      const { rows: db } = await kw.db.pool.query<{ consumed: number; appliances: number; audits: number; replays: number }>(
        `SELECT (SELECT count(*) FROM install_code WHERE tenant_id = ANY($1::uuid[]) AND consumed_at IS NOT NULL)::int AS consumed,
                (SELECT count(*) FROM appliance WHERE tenant_id = ANY($1::uuid[]))::int AS appliances,
                (SELECT count(*) FROM audit_event WHERE tenant_id = ANY($1::uuid[]) AND action = 'install_code.redeemed')::int AS audits,
                (SELECT count(*) FROM audit_event WHERE tenant_id = ANY($1::uuid[]) AND action = 'install_code.redemption_replayed')::int AS replays`,
        [ids],
      );
      rows.push({
        round: label,
        "codes consumed at the kill": `${consumedAtKill}/${CODES}`,
        "first answers": describeTally(tally(firsts.map((a) => a.kind))),
        "final answers": describeTally(tally(finals.map((a) => a.kind))),
        "winning answers lost": lost,
        "recovered by the retry": recovered,
        "codes burned": burned,
        "winners' credentials live": `${live}/${CODES}`,
        "consumed / appliances / audits / replays (db)": `${db[0]!.consumed} / ${db[0]!.appliances} / ${db[0]!.audits} / ${db[0]!.replays}`,
        wall: ms(wall),
      });
      for (const a of finals) if (a.kind !== "ok" && a.kind !== "CONSUMED_INSTALL_CODE") problems.push(`round ${label}: final answer ${a.kind} ${a.raw ?? ""}`);
      if (okFinals !== CODES - burned) problems.push(`round ${label}: ${okFinals} callers ended with a credential for ${CODES - burned} codes`);
      if (db[0]!.consumed !== CODES || db[0]!.appliances !== CODES || db[0]!.audits !== CODES)
        problems.push(`round ${label}: database ${JSON.stringify(db[0])}`);
      if (keyed) {
        if (burned) problems.push(`round ${label}: ${burned} code(s) burned although their appliances kept a redemption key`);
        if (live !== CODES) problems.push(`round ${label}: ${CODES - live} winner(s) hold a dead credential`);
      }
      // the killed replica comes back (as its Deployment would restart it) for the next round
      kw.replicas[1] = await startReplica("r2", kw.env);
    }
    const half = Object.entries(await halfWrittenRows(kw.db.pool)).filter(([, n]) => n > 0);
    const unexpected = kw.replicas[0]!.logs().filter((l) => l.level >= 50 && l.msg !== "request failed");
    table(
      `Redemption burst with kill -9: ${CALLERS} callers of ${CODES} codes over 2 replicas, the second killed once it committed ${KILL_AFTER} redemptions`,
      rows,
      [
        "Callers retry an attempt that got no answer (or SERVICE_BUSY/SERVICE_UNAVAILABLE) with the same code, appliance id and redemption key; the last round sends no keys.",
        `Half-written rows after all rounds: ${half.length ? JSON.stringify(Object.fromEntries(half)) : "none"}. Unexpected error log lines on the surviving replica: ${unexpected.length}.`,
      ],
    );
    expect(problems).toEqual([]);
    expect(half).toEqual([]);
    expect(unexpected.map((l) => l.msg)).toEqual([]);
  } finally {
    await kw.stop();
  }
});

test("load shedding (MAX_INFLIGHT_REQUESTS=20): beyond it a burst is answered SERVICE_BUSY without queueing — 503, Retry-After, a request id — and nothing of a shed request is processed", async () => {
  const shed = await startWorld({ label: "burst_shed", replicas: 1, env: { MAX_INFLIGHT_REQUESTS: "20" } });
  try {
    const url = shed.replicas[0]!.url;
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        gql(
          url,
          REGISTER,
          { input: { companyName: `Shed ${i}`, contactEmail: `shed-${i}@example.test`, edition: "ESSENTIALS" } },
          { token: shed.keys.store, requestId: `shed-${i}` },
        ),
      ),
    );
    const busy = answers.map((a, i) => ({ a, id: `shed-${i}` })).filter(({ a }) => a.kind === "SERVICE_BUSY");
    const problems = busy.flatMap(({ a, id }) => [...retryableProblems(a), ...(a.requestId === id ? [] : ["requestId is not the request's"])]);
    const { rows } = await shed.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_event WHERE request_id = ANY($1::text[])`, [
      busy.map((b) => b.id),
    ]);
    const okCount = answers.filter((a) => a.kind === "ok").length;
    const { rows: tenants } = await shed.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM tenant_registry WHERE company_name LIKE 'Shed %'`);
    table("Load shedding: 300 concurrent registrations, one replica, MAX_INFLIGHT_REQUESTS=20", [
      {
        answers: describeTally(tally(answers.map((a) => a.kind))),
        "shed answers p99": ms(
          percentile(
            busy.map((b) => b.a.ms),
            0.99,
          ),
        ),
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
