// The heap a replica retains, read through its inspector: a full garbage collection first, then the
// used size. /metrics reports the heap as it stands, garbage included, and V8 lets garbage pile up
// for hundreds of MB between major collections (measured: 63 → 192 → 66 MB over 10,000 requests
// with nothing retained), so a leak check on those readings is noise. A replica started with
// `inspectable()` in its environment listens on a port of its own, on 127.0.0.1 only.
import type { Replica } from "./replicas.js";

/** Environment for a replica whose retained heap `retainedHeap` can read. */
export const inspectable = (): Record<string, string> => ({ NODE_OPTIONS: "--inspect=127.0.0.1:0" });

/** The inspector's WebSocket address, from the line Node prints on stderr. */
function inspectorUrl(r: Replica): string {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(r.stderr())?.[1];
  if (!url) throw new Error(`replica ${r.name} has no inspector (start it with inspectable()):\n${r.stderr()}`);
  return url;
}

/** Bytes of V8 heap still reachable after a full collection. */
export async function retainedHeap(r: Replica): Promise<number> {
  const ws = new WebSocket(inspectorUrl(r));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error(`inspector of ${r.name} refused the connection`)), { once: true });
  });
  const waiting = new Map<number, (result: Record<string, unknown>) => void>();
  ws.addEventListener("message", (e) => {
    const m = JSON.parse(String(e.data)) as { id?: number; result?: Record<string, unknown> };
    if (m.id !== undefined) waiting.get(m.id)?.(m.result ?? {});
  });
  let next = 0;
  const call = (method: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = ++next;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ id, method }));
    });
  try {
    await call("HeapProfiler.enable");
    // twice: the first collection can leave objects that only a finalizer it ran released
    await call("HeapProfiler.collectGarbage");
    await call("HeapProfiler.collectGarbage");
    const usage = await call("Runtime.getHeapUsage");
    return Number(usage.usedSize);
  } finally {
    ws.close();
  }
}
