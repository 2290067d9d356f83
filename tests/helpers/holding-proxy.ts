// A TCP proxy that forwards requests at once but holds the answers until released: the caller's request
// has reached the service (forwarded), the service has answered (answered), and the caller hears back
// only when the test says so — to order a writer's late answer after another writer's.
import net from "node:net";

export interface HoldingProxy {
  url: string;
  /** a request reached the service */
  forwarded: Promise<void>;
  /** the service answered it (held back) */
  answered: Promise<void>;
  release(): void;
  stop(): Promise<void>;
}

export async function holdingProxy(target: string): Promise<HoldingProxy> {
  const { hostname, port } = new URL(target);
  let forwarded!: () => void;
  let answered!: () => void;
  const seen = new Promise<void>((r) => (forwarded = r));
  const heard = new Promise<void>((r) => (answered = r));
  let released = false;
  const waiting: (() => void)[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.on("error", () => {});
    upstream.on("error", () => client.destroy());
    client.on("data", (d) => {
      upstream.write(d);
      forwarded();
    });
    upstream.on("data", (d) => {
      answered();
      if (released) client.write(d);
      else waiting.push(() => client.write(d));
    });
    upstream.on("end", () => (released ? client.end() : waiting.push(() => client.end())));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    forwarded: seen,
    answered: heard,
    release() {
      released = true;
      for (const w of waiting.splice(0)) w();
    },
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
