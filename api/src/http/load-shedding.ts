// Sheds load before it queues: beyond MAX_INFLIGHT_REQUESTS concurrent GraphQL requests, a request is
// answered at once with the retryable SERVICE_BUSY and a Retry-After the check-in agent honours,
// instead of waiting into a timeout. The edge asks once the request's body is read
// (http/graphql-edge.ts): a client that sends its body slowly must not hold a slot while it does.
import type http from "node:http";

export interface LoadShedding {
  /** true: the request holds a slot until its response closes; false: answer busyAnswer() */
  admit(res: http.ServerResponse): boolean;
  readonly retryAfterSeconds: number;
  busyAnswer(requestId: string): object;
}

export function loadShedding(maxInflight: number, onShed?: () => void, retryAfterSeconds = 5): LoadShedding {
  let inflight = 0;
  // 'close' is emitted once per response, whether it finished or its connection went away
  const release = () => {
    inflight--;
  };
  return {
    retryAfterSeconds,
    admit(res) {
      if (inflight >= maxInflight) {
        onShed?.();
        return false;
      }
      inflight++;
      res.once("close", release);
      return true;
    },
    busyAnswer: (requestId) => ({
      errors: [
        {
          message: "The service is busy: nothing was changed. Retry after the time given in Retry-After.",
          extensions: { code: "SERVICE_BUSY", retryAfterSeconds, requestId },
        },
      ],
    }),
  };
}
