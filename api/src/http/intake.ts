// Request intake at the node:http level, before any framework sees a request: a client cannot hold
// the process by being slow or by opening connections.
// - HEADERS_TIMEOUT_MS: a connection must deliver its request headers within this (an idle connection
//   that never sends any is closed the same way); REQUEST_TIMEOUT_MS: the whole request, body
//   included. Node answers 408 and closes; it checks every second (its default is every 30 s, with
//   60 s / 300 s limits: 256 bodies sent a byte every 10 s held every load-shedding slot for 300 s).
// - MAX_CONNECTIONS per process (Node drops the connection at accept) and MAX_CONNECTIONS_PER_ADDRESS
//   per peer address (closed at once). The per-address cap does not apply to trusted proxies
//   (TRUST_PROXY): every client behind an ingress shares its address, and the ingress buffers bodies
//   and limits connections itself (charts/alga-license/README.md).
// Load shedding counts a request only once its body is read (graphql.ts), so slow bodies cost a
// connection each, bounded here, and no MAX_INFLIGHT_REQUESTS slot.
import http from "node:http";
import type net from "node:net";

export interface IntakeLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnections: number;
  maxConnectionsPerAddress: number;
}

export type RefusalReason = "total" | "address";

export interface IntakeOptions {
  /** peers the per-address cap does not apply to (trusted proxies) */
  uncapped: (address: string) => boolean;
  onRefused?: (reason: RefusalReason) => void;
}

export function createIntakeServer(limits: IntakeLimits, o: IntakeOptions, handler?: http.RequestListener): http.Server {
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // how often Node looks for requests past those limits
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    handler,
  );
  // The total cap is counted here rather than with server.maxConnections: on Node 24 a server at its
  // maxConnections left connections beyond it waiting in the kernel's backlog, unanswered, past every
  // timeout; closing them at accept keeps the documented behaviour (refused at once).
  let total = 0;
  const perAddress = new Map<string, number>();
  // before Node's own listener: a refused connection is closed before any request is parsed
  server.prependListener("connection", (socket: net.Socket) => {
    if (total >= limits.maxConnections) {
      o.onRefused?.("total");
      socket.destroy();
      return;
    }
    total++;
    socket.once("close", () => total--);
    const address = socket.remoteAddress;
    if (!address || o.uncapped(address)) return;
    const open = perAddress.get(address) ?? 0;
    if (open >= limits.maxConnectionsPerAddress) {
      o.onRefused?.("address");
      socket.destroy();
      return;
    }
    perAddress.set(address, open + 1);
    socket.once("close", () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
    });
  });
  return server;
}
