// A TCP proxy in front of the API that can misbehave per connection: drop the answer after the API
// has processed the request, answer 502, or never answer. Counts the requests it saw. It can also drop
// the answer to particular requests on a kept-alive connection (dropResponsesTo), keeping what the API
// answered so a test can show what the caller lost.
import net from "node:net";

export type Fault = "drop-response" | "bad-gateway" | "stall" | "pass";

export interface FaultyProxy {
  url: string;
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
  stop(): Promise<void>;
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
  for (let at = 0; ; ) {
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
  const sockets = new Set<net.Socket>();
  const drops: { pattern: RegExp; times: number }[] = [];
  const proxy: FaultyProxy = {
    url: "",
    requests: 0,
    faults: [],
    withheld: [],
    dropResponsesTo: (pattern, times = 1) => void drops.push({ pattern, times }),
    stop: async () => {},
  };
  /** whether this chunk of a request is one whose answer must be dropped (uses up one drop) */
  const dropFor = (chunk: Buffer) => {
    const rule = drops.find((d) => d.times > 0 && d.pattern.test(chunk.toString("utf8")));
    if (rule) rule.times--;
    return !!rule;
  };
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
      if (fault === "drop-response") {
        upstream.write(first);
        // the API handles the request; the caller never hears back
        upstream.once("data", () => {
          client.destroy();
          upstream.destroy();
        });
        return;
      }
      // pass: forwarded both ways; an answer to a request dropFor picked is withheld and the caller reset
      let dropping = false;
      let answer = Buffer.alloc(0);
      const toUpstream = (chunk: Buffer) => {
        if (dropFor(chunk)) dropping = true;
        upstream.write(chunk);
      };
      toUpstream(first);
      client.on("data", toUpstream);
      client.on("end", () => upstream.end());
      upstream.on("data", (chunk: Buffer) => {
        if (!dropping) return void client.write(chunk);
        client.destroy();
        answer = Buffer.concat([answer, chunk]);
        const body = completeBody(answer);
        if (body !== null) {
          proxy.withheld.push(body);
          upstream.destroy();
        }
      });
      upstream.on("end", () => client.end());
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
