// The outage probes' load: callers in a loop over the replicas (round robin), one in eight registering
// (a multi-row transaction), the rest checking in; each request carries its own X-Request-Id, so the
// probe finds it in audit rows and logs. A caller told to retry waits a little (not the full
// Retry-After: more samples).
import type { Installed } from "./appliances.js";
import { CHECK_IN, gql, REGISTER, type Answer } from "./http.js";
import type { Replica } from "./replicas.js";
import { replicaUrl } from "./world.js";

export interface Sent {
  id: string;
  op: "checkIn" | "registerTenant";
  start: number;
  end: number;
  replica: number;
  answer: Answer;
}

export interface MixedLoadOptions {
  replicas: Replica[];
  appliances: Installed[];
  storeKey: string;
  concurrency: number;
  /** request ids are `<idPrefix>-<n>`, companies `<companyPrefix> <id>` */
  idPrefix: string;
  companyPrefix: string;
  /** pause after an answer that is not ok */
  pauseMs: number;
  /** a caller's own patience per request (none: fetch's) */
  timeoutMs?: number;
}

export function startMixedLoad(o: MixedLoadOptions): { sent: Sent[]; stop(): Promise<Sent[]> } {
  const sent: Sent[] = [];
  let stop = false;
  let n = 0;
  const done = Promise.all(
    Array.from({ length: o.concurrency }, async (_, worker) => {
      while (!stop) {
        const i = n++;
        const id = `${o.idPrefix}-${i}`;
        const replica = i % o.replicas.length;
        const url = replicaUrl(o, replica);
        const op = worker % 8 === 0 ? "registerTenant" : "checkIn";
        const a = o.appliances[i % o.appliances.length]!;
        const signal = o.timeoutMs ? AbortSignal.timeout(o.timeoutMs) : undefined;
        const start = Date.now();
        const answer =
          op === "registerTenant"
            ? await gql(
                url,
                REGISTER,
                { input: { companyName: `${o.companyPrefix} ${id}`, contactEmail: `${id}@example.test`, edition: "PRO" } },
                { token: o.storeKey, requestId: id, signal },
              )
            : await gql(url, CHECK_IN, { input: { applianceId: a.applianceId } }, { token: a.credential, requestId: id, signal });
        sent.push({ id, op, start, end: Date.now(), replica, answer });
        if (answer.kind !== "ok") await new Promise((r) => setTimeout(r, o.pauseMs));
      }
    }),
  );
  return {
    sent,
    async stop() {
      stop = true;
      await done;
      return sent;
    },
  };
}
