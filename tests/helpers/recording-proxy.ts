// An HTTP proxy in front of the API that keeps every answer's body — what the service really issued
// to callers (e.g. every license of a burst of check-ins) — and, when told to, holds the answers back
// so the test releases them one by one in the order it chooses.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface HeldAnswer {
  body: string;
  release(): void;
}

export interface RecordingProxy {
  url: string;
  /** the bodies of the answers, in the order the service gave them */
  answers: string[];
  /** while true, answers wait in `held` until released */
  holding: boolean;
  held: HeldAnswer[];
  stop(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const proxy: RecordingProxy = { url: "", answers: [], holding: false, held: [], stop: async () => {} };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k, v]) => typeof v === "string" && !["host", "connection", "content-length"].includes(k)),
    ) as Record<string, string>;
    try {
      const upstream = await fetch(new URL(req.url ?? "/", target), { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
      const body = await upstream.text();
      proxy.answers.push(body);
      const send = () => res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" }).end(body);
      if (proxy.holding) proxy.held.push({ body, release: send });
      else send();
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.stop = () => new Promise<void>((r) => server.close(() => r()));
  return proxy;
}
