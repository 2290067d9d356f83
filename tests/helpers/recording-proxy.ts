// An HTTP proxy in front of the API that keeps every answer's body: what the service really issued to
// callers (e.g. every license of a burst of check-ins), to compare with what they stored.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordingProxy {
  url: string;
  /** the bodies of the answers, in the order they were sent */
  answers: string[];
  stop(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const answers: string[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === "string" && !["host", "connection", "content-length"].includes(k))) as Record<string, string>;
    try {
      const upstream = await fetch(new URL(req.url ?? "/", target), { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
      const body = await upstream.text();
      answers.push(body);
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
      res.end(body);
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answers,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
