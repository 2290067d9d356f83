// Sheds load before it queues: beyond MAX_INFLIGHT_REQUESTS concurrent GraphQL requests, a request is
// answered at once with the retryable SERVICE_BUSY and a Retry-After the check-in agent honours,
// instead of waiting into a timeout. It runs once the request's body is read (graphql.ts): a client
// that sends its body slowly must not hold a slot while it does.
import type { RequestHandler } from "express";

export function loadShedding(maxInflight: number, onShed?: () => void, retryAfterSeconds = 5): RequestHandler {
  let inflight = 0;
  return (_req, res, next) => {
    if (inflight >= maxInflight) {
      onShed?.();
      res.setHeader("Retry-After", String(retryAfterSeconds));
      res.status(503).json({
        errors: [
          {
            message: "The service is busy: nothing was changed. Retry after the time given in Retry-After.",
            extensions: { code: "SERVICE_BUSY", retryAfterSeconds, requestId: res.locals.requestId },
          },
        ],
      });
      return;
    }
    inflight++;
    let done = false;
    const release = () => {
      if (!done) {
        done = true;
        inflight--;
      }
    };
    res.on("finish", release);
    res.on("close", release);
    next();
  };
}
