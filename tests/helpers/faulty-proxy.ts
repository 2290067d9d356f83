// A TCP proxy that can misbehave per connection: drop the answer after the peer has processed the
// request, answer 502, or never answer. Counts the connections it saw. In front of the API (HTTP) or
// of PostgreSQL (any protocol where the client speaks first). It can also drop the answer to
// particular requests on a kept-alive connection (dropResponsesTo), keeping what the API answered so
// a test can show what the caller lost.
//
// Blackhole (`blackhole(true)`): the path stops answering without closing, as when a firewall, a
// NAT or a network partition drops packets. Every open connection and every new one is accepted and
// kept, but nothing is forwarded in either direction and no close is passed on. After `blackhole(false)`
// new connections pass again; the ones that lived through the blackhole stay dead (their bytes were
// lost, as when a NAT forgets a flow) until an end closes them — the far end never hears of it.
import net from "node:net";

export type Fault = "drop-response" | "bad-gateway" | "stall" | "blackhole" | "pass";

export interface FaultyProxy {
  url: string;
  port: number;
  requests: number;
  /** faults applied to the next connections, in order; then "pass" */
  faults: Fault[];
  /**
   * The next `times` requests whose bytes match `pattern`, on any connection: the API processes them and
   * answers, the caller's connection is reset instead (the answer lands in `withheld`).
   */
  dropResponsesTo(pattern: RegExp, times?: number): void;
  /** bodies of the answers withheld by dropResponsesTo, in order */
  withheld: string[];
  /** the whole path stops answering (true) or heals for new connections (false) */
  blackhole(on: boolean): void;
  /** connections open through the proxy now (both ends alive) */
  open(): number;
  stop(): Promise<void>;
}

interface Link {
  client: net.Socket;
  upstream?: net.Socket;
  dead: boolean;
}

/** An HTTP/1.1 response's body once it is complete (content-length or chunked), else null. */
function completeBody(raw: Buffer): string | null {
  const text = raw.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const head = text.slice(0, end).toLowerCase();
  const body = raw.subarray(end + 4);
  const length = /\r\ncontent-length:\s*(\d+)/.exec(head)?.[1];
  if (length !== undefined) return body.length >= Number(length) ? body.subarray(0, Number(length)).toString("utf8") : null;
  if (!/\r\ntransfer-encoding:\s*chunked/.test(head) || !body.toString("latin1").endsWith("0\r\n\r\n")) return null;
  const parts: Buffer[] = [];
  for (let at = 0; ;) {
    const eol = body.indexOf("\r\n", at);
    const size = parseInt(body.subarray(at, eol).toString("latin1"), 16);
    if (!size) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts).toString("utf8");
}

export async function startFaultyProxy(target: string): Promise<FaultyProxy> {
  const { hostname, port } = new URL(target);
  const links = new Set<Link>();
  const drops: { pattern: RegExp; times: number }[] = [];
  let dark = false;
  const proxy: FaultyProxy = {
    url: "",
    port: 0,
    requests: 0,
    faults: [],
    withheld: [],
    dropResponsesTo: (pattern, times = 1) => void drops.push({ pattern, times }),
    blackhole(on) {
      dark = on;
      if (on) for (const l of links) l.dead = true;
    },
    open: () => [...links].filter((l) => !l.client.destroyed && l.upstream && !l.upstream.destroyed).length,
    stop: async () => {},
  };
  /** whether this chunk of a request is one whose answer must be dropped (uses up one drop) */
  const dropFor = (chunk: Buffer) => {
    const rule = drops.find((d) => d.times > 0 && d.pattern.test(chunk.toString("utf8")));
    if (rule) rule.times--;
    return !!rule;
  };
  const server = net.createServer((client) => {
    const link: Link = { client, dead: dark };
    links.add(link);
    const forget = () => {
      if (link.client.destroyed && (!link.upstream || link.upstream.destroyed)) links.delete(link);
    };
    client.on("close", forget);
    client.on("error", () => {});
    client.once("data", (first) => {
      proxy.requests++;
      const fault = link.dead ? "blackhole" : (proxy.faults.shift() ?? "pass");
      if (fault === "stall" || fault === "blackhole") {
        link.dead = true;
        return; // read the request, never answer, never close
      }
      if (fault === "bad-gateway") {
        client.end("HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: 11\r\nconnection: close\r\n\r\nbad gateway");
        return;
      }
      const upstream = net.connect(Number(port), hostname);
      link.upstream = upstream;
      upstream.on("error", () => {});
      upstream.on("close", () => {
        if (!link.dead) client.destroy();
        forget();
      });
      client.on("close", () => {
        if (!link.dead) upstream.destroy();
      });
      if (fault === "drop-response") {
        upstream.write(first);
        // the peer handles the request; the caller never hears back
        upstream.once("data", () => {
          client.destroy();
          upstream.destroy();
        });
        return;
      }
      // forwarded by hand (not pipe): a blackholed link drops its bytes and keeps both ends open; an
      // answer to a request dropFor picked is withheld and the caller reset
      let dropping = false;
      let answer = Buffer.alloc(0);
      const toUpstream = (chunk: Buffer) => {
        if (link.dead) return;
        if (dropFor(chunk)) dropping = true;
        upstream.write(chunk);
      };
      toUpstream(first);
      client.on("data", toUpstream);
      upstream.on("data", (chunk: Buffer) => {
        if (link.dead) return;
        if (!dropping) return void client.write(chunk);
        client.destroy();
        answer = Buffer.concat([answer, chunk]);
        const body = completeBody(answer);
        if (body !== null) {
          proxy.withheld.push(body);
          upstream.destroy();
        }
      });
      client.on("end", () => {
        if (!link.dead) upstream.end();
      });
      upstream.on("end", () => {
        if (!link.dead) client.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.port = (server.address() as net.AddressInfo).port;
  proxy.url = `http://127.0.0.1:${proxy.port}`;
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      for (const l of links) {
        l.client.destroy();
        l.upstream?.destroy();
      }
      server.close(() => resolve());
    });
  return proxy;
}

/** `url` (a postgres:// URL) with its host and port replaced by the proxy's. */
export function throughProxy(url: string, proxy: FaultyProxy): string {
  const u = new URL(url);
  u.hostname = "127.0.0.1";
  u.port = String(proxy.port);
  return u.toString();
}
