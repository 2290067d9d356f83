// A real HTTP server receiving webhook deliveries (node:http): it records every request and answers
// with the status the test sets (per path), so retries, failures and redeliveries can be driven.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface WebhookReceiver {
  /** base URL, e.g. http://127.0.0.1:1234 */
  url: string;
  received: ReceivedWebhook[];
  /** the status answered on a path (default 204) */
  status: Map<string, number>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const status = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
      received.push({ path, headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
      res.writeHead(status.get(path) ?? 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    status,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
