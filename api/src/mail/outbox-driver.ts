// Runs the outbox state machine (outbox-machine.ts) for one worker: feeds each event through `next`,
// arms and cancels its timer, hands every other effect to the worker, and keeps each step under way
// so the worker's stop() can wait for it. The mail outbox and the webhook worker differ only in what
// their effects do.
import type { Logger } from "pino";
import { next, type OutboxEffect, type OutboxEvent, type OutboxState } from "./outbox-machine.js";

/** The effects a worker performs itself (the timer is the driver's). */
export type WorkerEffect<R> = Exclude<OutboxEffect<R>, { type: "arm timer" | "cancel timer" }>;

export interface OutboxDriver<R> {
  dispatch(event: OutboxEvent<R>): void;
  /** Runs `work`, then feeds its result back as an event (a failing step is logged, never unhandled). */
  then<T>(work: Promise<T>, onOk: (v: T) => OutboxEvent<R>, onErr: (err: unknown) => OutboxEvent<R>): void;
  /** whether a step is still under way */
  busy(): boolean;
  /** resolves once no step is under way */
  settled(): Promise<void>;
}

export function outboxDriver<R>(initial: OutboxState, perform: (effect: WorkerEffect<R>) => void, log: Logger, name: string): OutboxDriver<R> {
  let state = initial;
  let timer: NodeJS.Timeout | undefined;
  /** every piece of I/O under way, so stop() can wait for it */
  const running = new Set<Promise<unknown>>();

  const dispatch = (event: OutboxEvent<R>) => {
    const t = next<R>(state, event);
    state = t.state;
    for (const effect of t.effects) {
      if (effect.type === "arm timer") {
        clearTimeout(timer);
        timer = setTimeout(() => dispatch({ type: "timer" }), effect.ms);
      } else if (effect.type === "cancel timer") clearTimeout(timer);
      else perform(effect);
    }
  };

  return {
    dispatch,
    then(work, onOk, onErr) {
      const step: Promise<void> = work
        .then(
          (v) => dispatch(onOk(v)),
          (err: unknown) => dispatch(onErr(err)),
        )
        .catch((err: unknown) => log.error({ err }, `${name} step failed`));
      running.add(step);
      void step.finally(() => running.delete(step));
    },
    busy: () => running.size > 0,
    async settled() {
      while (running.size) await Promise.allSettled([...running]);
    },
  };
}
