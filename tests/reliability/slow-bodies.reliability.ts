// Clients that hold connections instead of using them, against one replica with the product's intake
// defaults (HEADERS_TIMEOUT_MS 10 s, REQUEST_TIMEOUT_MS 30 s, MAX_CONNECTIONS 2048,
// MAX_CONNECTIONS_PER_ADDRESS 64 — the replica trusts no proxy here, so the per-address cap applies):
// 1. SLOW_BODY_CONNECTIONS connections send their /graphql bodies a byte every 10 s (each reconnects
//    at once when it is cut off, as an attacker would) for SLOW_BODY_SECONDS, while callers check in,
//    redeem, register and search: every one of those is served (a request counts against
//    MAX_INFLIGHT_REQUESTS once its body is read), and each trickler is cut off with 408;
// 2. one address opening 200 connections holds 64; IDLE_CONNECTIONS connections from many addresses
//    opened at once that never send a byte: at most MAX_CONNECTIONS are held, each is answered 408 and
//    closed at HEADERS_TIMEOUT_MS; meanwhile a call needing a new connection is refused at accept
//    (never an error answer), and afterwards every caller is served.
import { eventually } from "../helpers/eventually.js";
import { connectFrom, stillOpen, type RawConnection } from "../helpers/raw-connections.js";
import { installAppliances } from "./helpers/appliances.js";
import { describeTally, ms, percentile, seconds, setting, table, tally } from "./helpers/figures.js";
import { CHECK_IN, gql, REDEEM, REGISTER, type Answer } from "./helpers/http.js";
import { startWorld, type World } from "./helpers/world.js";

const SLOW = setting("SLOW_BODY_CONNECTIONS", 300);
const SLOW_MS = setting("SLOW_BODY_SECONDS", 60) * 1000;
const IDLE = setting("IDLE_CONNECTIONS", 3000);
const CALLERS = 8;

let w: World;
let port: number;
beforeAll(async () => {
  w = await startWorld({ label: "slow_bodies", replicas: 1, env: { TRUST_PROXY: "false", LOG_LEVEL: "warn" } });
  port = Number(new URL(w.replicas[0]!.url).port);
});
afterAll(() => w?.stop());

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));
/** loopback addresses of their own (all of 127/8 reaches the replica): `per` connections each */
const address = (i: number, per: number) => `127.0.${1 + Math.floor(i / per / 250)}.${1 + (Math.floor(i / per) % 250)}`;

const open = (from: string) => connectFrom(port, from);

/** Callers doing the real work: check-ins, redemptions of fresh codes, registrations, support searches. */
async function work(until: () => boolean, appliances: { applianceId: string; credential: string }[], label: string) {
  const out: { op: string; answer: Answer }[] = [];
  let n = 0;
  const url = w.replicas[0]!.url;
  await Promise.all(
    Array.from({ length: CALLERS }, async (_, worker) => {
      while (!until()) {
        const i = n++;
        const kind = worker % 4;
        if (kind === 0) {
          const a = appliances[i % appliances.length]!;
          out.push({ op: "checkIn", answer: await gql(url, CHECK_IN, { input: { applianceId: a.applianceId } }, { token: a.credential }) });
        } else if (kind === 1) {
          const reg = await gql(
            url,
            REGISTER,
            { input: { companyName: `${label} ${i}`, contactEmail: `${label}-${i}@example.test`, edition: "PRO" } },
            { token: w.keys.store },
          );
          out.push({ op: "registerTenant", answer: reg });
          if (reg.kind === "ok")
            out.push({
              op: "redeemInstallCode",
              answer: await gql(url, REDEEM, { input: { installCode: reg.data.registerTenant.installCode, applianceId: `${label}-box-${i}` } }),
            });
        } else {
          out.push({
            op: "tenants",
            answer: await gql(url, `{ tenants(first: 5, filter: { search: "${label}" }) { totalCount } }`, {}, { token: w.keys.support }),
          });
        }
      }
    }),
  );
  return out;
}

const row = (what: string, answers: { op: string; answer: Answer }[]) => ({
  callers: what,
  requests: answers.length,
  answers: describeTally(tally(answers.map((a) => `${a.op} ${a.answer.kind}`))),
  "p50 / p99": answers.length
    ? `${ms(
        percentile(
          answers.map((a) => a.answer.ms),
          0.5,
        ),
      )} / ${ms(
        percentile(
          answers.map((a) => a.answer.ms),
          0.99,
        ),
      )}`
    : "-",
});

test(`${SLOW} trickling bodies for ${SLOW_MS / 1000} s, then ${IDLE} idle connections: every caller is served, tricklers get 408, the caps hold`, async () => {
  const appliances = await installAppliances(w.replicas[0]!.url, w.keys.store, 8, "slow");

  // 1. tricklers: 10 per address, a byte every 10 s, reconnecting when cut off
  const until = Date.now() + SLOW_MS;
  const tricklers: RawConnection[] = [];
  let reconnects = 0;
  const trickle = async (i: number) => {
    while (Date.now() < until) {
      const c = await open(address(i, 10));
      tricklers.push(c);
      if (c.closedAt !== undefined) {
        await sleep(100);
        continue;
      }
      c.socket.write("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n{");
      while (c.closedAt === undefined && Date.now() < until) {
        await sleep(10_000);
        if (c.closedAt === undefined) c.socket.write(" ");
      }
      c.socket.destroy();
      if (Date.now() < until) reconnects++;
    }
  };
  const [served] = await Promise.all([work(() => Date.now() > until, appliances, "slowwave"), ...Array.from({ length: SLOW }, (_, i) => trickle(i))]);
  const cut = tricklers.filter((c) => c.answer?.startsWith("HTTP/1.1 408"));
  const heldFor = cut.map((c) => c.closedAt! - c.openedAt);

  // 2a. one address opening 200 connections: 64 held
  const greedy = await Promise.all(Array.from({ length: 200 }, () => open("127.0.250.250")));
  await sleep(500);
  const heldGreedy = stillOpen(greedy);
  for (const c of greedy) c.socket.destroy();
  await sleep(500);

  // 2b. idle connections from many addresses (60 each: under the per-address cap), all at once
  const idle = await Promise.all(Array.from({ length: IDLE }, (_, i) => open(address(i, 60))));
  const openedAt = Date.now();
  // the kernel accepts before the process drops what is over its cap: the client sees the close a moment later
  const heldIdle = await eventually(
    async () => stillOpen(idle),
    (n) => n <= 2048,
    5000,
  );
  const settledIn = Date.now() - openedAt;
  const waveUntil = openedAt + 20_000;
  const duringIdle = await work(() => Date.now() > waveUntil, appliances, "idlewave");
  const closedTimes = idle.filter((c) => c.closedAt !== undefined && c.answer).map((c) => c.closedAt! - openedAt);
  const idleClosedBy = closedTimes.length ? Math.max(...closedTimes) : Infinity;
  const leftOpen = stillOpen(idle);
  for (const c of idle) c.socket.destroy();
  const afterWave = await Promise.all(
    appliances.map((a) => gql(w.replicas[0]!.url, CHECK_IN, { input: { applianceId: a.applianceId } }, { token: a.credential })),
  );
  const metrics = await (await fetch(`${w.replicas[0]!.url}/metrics`)).text();
  const refused = [...metrics.matchAll(/alga_license_connections_refused_total\{reason="(\w+)"\} (\d+)/g)].map((m) => `${m[1]} ${m[2]}`).join(", ");
  const inWave = (a: { answer: Answer }) => a.answer.ms;
  const refusedCallers = duringIdle.filter((a) => a.answer.kind === "network error");

  table(
    `Slow and idle connections against one replica (product intake defaults; ${CALLERS} callers doing real work meanwhile)`,
    [row(`during ${SLOW} trickling bodies (${seconds(SLOW_MS)})`, served), row(`during ${IDLE} idle connections (20 s from their opening)`, duringIdle)],
    [
      `Tricklers: ${tricklers.length} connections (${reconnects} reconnects after a cut-off); ${cut.length} answered 408 after ${heldFor.length ? `${seconds(Math.min(...heldFor))} (p50 ${seconds(percentile(heldFor, 0.5))}, p99 ${seconds(percentile(heldFor, 0.99))}, slowest ${seconds(Math.max(...heldFor))})` : "-"} (REQUEST_TIMEOUT_MS 30 s).`,
      `One address opening 200 connections: ${heldGreedy} held (MAX_CONNECTIONS_PER_ADDRESS 64). ${IDLE} idle connections from ${Math.ceil(IDLE / 60)} addresses: ${heldIdle} held ${seconds(settledIn)} after they were opened (MAX_CONNECTIONS 2048), all answered 408 and closed within ${seconds(idleClosedBy)} (HEADERS_TIMEOUT_MS 10 s), ${leftOpen} left open after 20 s. Refused at accept: ${refused}.`,
      `While the process held its ${heldIdle} connections, ${refusedCallers.length} calls that needed a new connection were refused at accept (network error; the slowest answered call took ${ms(Math.max(0, ...duringIdle.filter((a) => a.answer.kind === "ok").map(inWave)))}); after the wave: ${describeTally(tally(afterWave.map((a) => a.kind)))}.`,
    ],
  );

  expect(served.filter((a) => a.answer.kind !== "ok").map((a) => `${a.op} ${a.answer.kind}`)).toEqual([]);
  expect(served.length).toBeGreaterThan(50);
  expect(cut.length).toBeGreaterThanOrEqual(SLOW);
  // 30 s and Node's once-a-second check, on cores loaded by the callers (was 300 s)
  expect(percentile(heldFor, 0.5)).toBeLessThan(33_000);
  expect(Math.max(...heldFor)).toBeLessThan(45_000);
  expect(heldGreedy).toBeLessThanOrEqual(64);
  expect(heldIdle).toBeLessThanOrEqual(2048);
  // a full process refuses new connections (the limit of a total cap), never answers an error
  expect(duringIdle.filter((a) => a.answer.kind !== "ok" && a.answer.kind !== "network error").map((a) => `${a.op} ${a.answer.kind}`)).toEqual([]);
  expect(leftOpen).toBe(0);
  expect(idleClosedBy).toBeLessThan(14_000);
  expect(afterWave.map((a) => a.kind)).toEqual(appliances.map(() => "ok"));
});
