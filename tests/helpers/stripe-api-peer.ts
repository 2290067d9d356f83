// A local HTTP peer (node:http) speaking the part of Stripe's API the service reads when it reconciles
// an event: GET /v1/subscriptions/{id} answers the subscription object, or Stripe's error shape (404
// resource_missing). Stripe itself cannot run here. It can also fail the way a real peer does: answer
// 500, answer something that is not JSON, never answer, or be down (connection refused).
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type PeerFault = "server-error" | "garbage" | "hang" | "another-subscription";

export interface StripeApiPeer {
  url: string;
  /** what the service asked, in order */
  requests: { method: string; path: string; authorization: string | undefined; stripeVersion: string | undefined }[];
  /** the subscriptions Stripe knows, by id (others answer 404) */
  subscriptions: Map<string, Record<string, unknown>>;
  /** applied to every request while set */
  fault: PeerFault | null;
  /** stops listening (connections are refused) until up() */
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStripeApiPeer(): Promise<StripeApiPeer> {
  const sockets = new Set<Socket>();
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "request-id": `req_${Date.now()}` });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    peer.requests.push({
      method: req.method ?? "",
      path: req.url ?? "",
      authorization: req.headers.authorization,
      stripeVersion: req.headers["stripe-version"] as string | undefined,
    });
    const m = /^\/v1\/subscriptions\/([^/?]+)/.exec(req.url ?? "");
    if (peer.fault === "hang") return;
    if (peer.fault === "server-error") return json(res, 500, { error: { type: "api_error", message: "Something went wrong on Stripe's end." } });
    if (peer.fault === "garbage") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end("<html>not json</html>");
    }
    const subscription = m && req.method === "GET" ? peer.subscriptions.get(decodeURIComponent(m[1]!)) : undefined;
    if (!subscription) {
      return json(res, 404, {
        error: { type: "invalid_request_error", code: "resource_missing", param: "id", message: `No such subscription: '${m?.[1] ?? ""}'` },
      });
    }
    json(res, 200, peer.fault === "another-subscription" ? { ...subscription, id: "sub_someone_else" } : subscription);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;
  const peer: StripeApiPeer = {
    url: `http://127.0.0.1:${port}`,
    requests: [],
    subscriptions: new Map(),
    fault: null,
    down: close,
    up: () => listen(port),
    stop: async () => {
      if (server.listening) await close();
    },
  };
  return peer;
}
