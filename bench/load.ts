// One cell: one server, one scenario, one concurrency, loaded by autocannon for a fixed time. An answer
// counts as an error unless it is HTTP 200 with data and no GraphQL errors; the server's CPU and
// memory are read from /proc around the cell.
import autocannon from "autocannon";
import type { Server } from "./processes.js";
import type { BenchRequest } from "./scenarios.js";

export interface CellResult {
  server: Server["name"];
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** connection errors, timeouts, non-2xx answers and GraphQL errors */
  errors: number;
  non2xx: number;
  timeouts: number;
  graphqlErrors: number;
  firstError?: string;
  cpuMsPerRequest: number;
  /** the server's CPU use during the cell, in cores (1 = one core busy) */
  cpuCores: number;
  rssMb: number;
}

export async function runCell(server: Server, next: () => BenchRequest, connections: number, seconds: number): Promise<CellResult> {
  let graphqlErrors = 0;
  let firstError: string | undefined;
  const cpuBefore = server.cpuMs();
  const result = await autocannon({
    url: `${server.url}/graphql`,
    method: "POST",
    connections,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: "POST",
        setupRequest: (req) => {
          const r = next();
          return { ...req, headers: r.headers, body: r.body };
        },
        onResponse: (status, body) => {
          if (status === 200 && body.startsWith('{"data"') && !body.includes('"errors"')) return;
          if (status === 200) graphqlErrors++;
          firstError ??= `HTTP ${status}: ${body.slice(0, 300)}`;
        },
      },
    ],
  });
  const cpuMs = server.cpuMs() - cpuBefore;
  const requests = result.requests.total;
  return {
    server: server.name,
    requests,
    seconds: result.duration,
    rps: requests / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors + result.non2xx + graphqlErrors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
    graphqlErrors,
    firstError,
    cpuMsPerRequest: requests ? cpuMs / requests : 0,
    cpuCores: cpuMs / 1000 / result.duration,
    rssMb: server.rssMb(),
  };
}
