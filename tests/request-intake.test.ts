// Request intake a slow or greedy client cannot hold, on a real API process over real sockets:
// - 300 connections trickling their /graphql bodies a byte at a time take no load-shedding slot
//   (a request counts once its body is read): registrations and check-ins are served meanwhile, and
//   each trickler is answered 408 at REQUEST_TIMEOUT_MS;
// - a connection that never finishes its headers is closed at HEADERS_TIMEOUT_MS;
// - one address holds at most MAX_CONNECTIONS_PER_ADDRESS connections, the process at most
//   MAX_CONNECTIONS: beyond them a connection is closed at once, and other callers are served.
import type net from "node:net";
import pg from "pg";
import { createRoleKeys } from "./helpers/api-keys.js";
import { startApiProcess, type ApiProcess } from "./helpers/api-processes.js";
import { eventually } from "./helpers/eventually.js";
import { connectFrom, stillOpen } from "./helpers/raw-connections.js";
import { createScratchDatabase } from "./helpers/postgres.js";
import { installAppliances } from "./reliability/helpers/appliances.js";
import { CHECK_IN, gql, REGISTER, type Answer } from "./reliability/helpers/http.js";

const PER_ADDRESS = 40;
const TOTAL = 400;

let db: Awaited<ReturnType<typeof createScratchDatabase>>;
let direct: pg.Pool;
let api: ApiProcess;
let keys: { store: string };
let port: number;
const sockets: net.Socket[] = [];

beforeAll(async () => {
  db = await createScratchDatabase();
  direct = new pg.Pool({ connectionString: db.url, max: 2 });
  keys = await createRoleKeys(direct, "intake");
  api = await startApiProcess({
    DATABASE_URL: db.url,
    MIGRATE_ON_START: "false",
    DATABASE_POOL_SIZE: "5",
    // the peers here are not proxies: the per-address cap applies to them
    TRUST_PROXY: "false",
    HEADERS_TIMEOUT_MS: "2000",
    REQUEST_TIMEOUT_MS: "4000",
    MAX_CONNECTIONS_PER_ADDRESS: String(PER_ADDRESS),
    MAX_CONNECTIONS: String(TOTAL),
  });
  port = Number(new URL(api.url).port);
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});
afterAll(async () => {
  await api?.stop("SIGKILL");
  await direct.end();
  await db.drop();
});

const connect = (from: string) => connectFrom(port, from, sockets);
const address = (i: number) => `127.0.0.${2 + (i % 200)}`;
const openOf = stillOpen;
const kinds = (answers: Answer[]) => [...new Set(answers.map((a) => a.kind))];

it("300 bodies trickling a byte a second take no load-shedding slot: registrations and check-ins are served; each trickler gets 408 at REQUEST_TIMEOUT_MS", async () => {
  const apps = await installAppliances(api.url, keys.store, 2, "trickle");
  // 300 callers from 10 addresses (30 each: under the per-address cap, so only the intake rules decide)
  const tricklers = await Promise.all(Array.from({ length: 300 }, (_, i) => connect(address(i % 10))));
  const startedAt = Date.now();
  for (const p of tricklers) p.socket.write("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{");
  const drip = setInterval(() => {
    for (const p of tricklers) if (p.closedAt === undefined) p.socket.write(" ");
  }, 1000);
  try {
    await new Promise((r) => setTimeout(r, 500)); // every trickler's headers are in
    expect(openOf(tricklers)).toBe(300);
    const served: Answer[] = [];
    for (let i = 0; i < 6; i++) {
      served.push(
        await gql(api.url, REGISTER, { input: { companyName: `Served ${i}`, contactEmail: `served-${i}@x.test`, edition: "PRO" } }, { token: keys.store }),
      );
      served.push(await gql(api.url, CHECK_IN, { input: { applianceId: apps[i % 2]!.applianceId } }, { token: apps[i % 2]!.credential }));
    }
    expect(kinds(served)).toEqual(["ok"]);
    await eventually(
      async () => openOf(tricklers),
      (n) => n === 0,
      10_000,
    );
  } finally {
    clearInterval(drip);
  }
  expect(openOf(tricklers)).toBe(0);
  expect([...new Set(tricklers.map((p) => p.answer))]).toEqual(["HTTP/1.1 408 Request Timeout"]);
  const lasted = tricklers.map((p) => p.closedAt! - startedAt);
  // REQUEST_TIMEOUT_MS (4 s) plus Node's once-a-second check, on loaded cores
  expect(Math.max(...lasted)).toBeLessThan(7000);
  process.stdout.write(`300 tricklers: 12/12 served meanwhile; tricklers answered 408 after ${Math.min(...lasted)}–${Math.max(...lasted)} ms\n`);
}, 60_000);

it("a connection that never finishes its headers is closed at HEADERS_TIMEOUT_MS", async () => {
  const started = Date.now();
  const peers = await Promise.all(Array.from({ length: 20 }, (_, i) => connect(address(20 + i))));
  for (const p of peers.slice(10)) p.socket.write("POST /graphql HTTP/1.1\r\nHost: x\r\n"); // half the headers
  await eventually(
    async () => openOf(peers),
    (n) => n === 0,
    10_000,
  );
  const lasted = peers.map((p) => p.closedAt! - started);
  expect(openOf(peers)).toBe(0);
  expect(Math.max(...lasted)).toBeLessThan(5000);
  expect(Math.min(...lasted)).toBeGreaterThanOrEqual(1500);
});

it(`one address holds at most ${PER_ADDRESS} connections: the rest are closed at once, other callers are served`, async () => {
  const greedy = await Promise.all(Array.from({ length: 200 }, () => connect("127.0.0.250")));
  const open = await eventually(
    async () => openOf(greedy),
    (n) => n <= PER_ADDRESS,
    3000,
  );
  expect(open).toBe(PER_ADDRESS);
  expect((await gql(api.url, "{ __typename }")).kind).toBe("ok");
  const metrics = await (await fetch(`${api.url}/metrics`)).text();
  expect(metrics).toMatch(/alga_license_connections_refused_total\{reason="address"\} (1[6-9]\d|[2-9]\d\d)/);
});

it(`the process holds at most ${TOTAL} connections`, async () => {
  // 3,000 idle connections were accepted at once; now the cap holds (spread so no address reaches its own cap)
  const many = await Promise.all(Array.from({ length: 600 }, (_, i) => connect(address(40 + (i % 30)))));
  const open = await eventually(
    async () => openOf(many),
    (n) => n <= TOTAL,
    3000,
  );
  expect(open).toBeLessThanOrEqual(TOTAL);
  expect(open).toBeGreaterThan(TOTAL - 50);
  for (const s of many) s.socket.destroy();
  const served = await eventually(
    () => gql(api.url, "{ __typename }"),
    (a) => a.kind === "ok",
    5000,
  );
  expect(served.kind).toBe("ok");
  const metrics = await (await fetch(`${api.url}/metrics`)).text();
  expect(metrics).toMatch(/alga_license_connections_refused_total\{reason="total"\} [1-9]/);
});
