// A TCP proxy in front of the API that can misbehave per connection: drop the answer after the API
// has processed the request, answer 502, or never answer. Counts the requests it saw.
import net from "node:net";

export type Fault = "drop-response" | "bad-gateway" | "stall" | "pass";

export interface FaultyProxy {
  url: string;
  requests: number;
  /** faults applied to the next connections, in order; then "pass" */
  faults: Fault[];
  stop(): Promise<void>;
}

export async function startFaultyProxy(target: string): Promise<FaultyProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const proxy: FaultyProxy = { url: "", requests: 0, faults: [], stop: async () => {} };
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    client.once("data", (first) => {
      proxy.requests++;
      const fault = proxy.faults.shift() ?? "pass";
      if (fault === "stall") return; // read the request, never answer
      if (fault === "bad-gateway") {
        client.end("HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\ncontent-length: 11\r\nconnection: close\r\n\r\nbad gateway");
        return;
      }
      const upstream = net.connect(Number(port), hostname);
      sockets.add(upstream);
      upstream.on("error", () => client.destroy());
      upstream.on("close", () => sockets.delete(upstream));
      upstream.write(first);
      if (fault === "drop-response") {
        // the API handles the request; the caller never hears back
        upstream.once("data", () => {
          client.destroy();
          upstream.destroy();
        });
        return;
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
