// A TCP proxy that can misbehave per connection: drop the answer after the peer has processed the
// request, answer 502, or never answer. Counts the connections it saw. In front of the API (HTTP) or
// of PostgreSQL (any protocol where the client speaks first).
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

export async function startFaultyProxy(target: string): Promise<FaultyProxy> {
  const { hostname, port } = new URL(target);
  const links = new Set<Link>();
  let dark = false;
  const proxy: FaultyProxy = {
    url: "",
    port: 0,
    requests: 0,
    faults: [],
    blackhole(on) {
      dark = on;
      if (on) for (const l of links) l.dead = true;
    },
    open: () => [...links].filter((l) => !l.client.destroyed && l.upstream && !l.upstream.destroyed).length,
    stop: async () => {},
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
      upstream.write(first);
      if (fault === "drop-response") {
        // the peer handles the request; the caller never hears back
        upstream.once("data", () => {
          client.destroy();
          upstream.destroy();
        });
        return;
      }
      // forwarded by hand (not pipe): a blackholed link drops its bytes and keeps both ends open
      client.on("data", (d: Buffer) => {
        if (!link.dead) upstream.write(d);
      });
      upstream.on("data", (d: Buffer) => {
        if (!link.dead) client.write(d);
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
