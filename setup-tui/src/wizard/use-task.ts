// Async work on a screen (after Shopify CLI's useAsyncAndUnmount): the task gets the hooks of the
// shared retrying call (the contract's withRetries), so its progress — which step, which attempt, the countdown to the
// next attempt — is state the screen draws; R ("retry now") cuts a wait short or runs a failed task
// again; and nothing is set after the screen is gone (an AbortSignal stops waits and requests).
import { useCallback, useEffect, useRef, useState } from "react";
import { AlgaLicenseError, defaultSleep as sleep, type RetryHooks } from "@alga-license/contract";

export type TaskState<T> =
  | { kind: "running"; attempt: number; phase: string }
  | { kind: "waiting"; attempt: number; attempts: number; retryAt: number; error: AlgaLicenseError; phase: string }
  | { kind: "done"; value: T }
  /** error: the service's answer (after the automatic attempts: exhausted), or what else the task threw */
  | { kind: "failed"; attempt: number; error: AlgaLicenseError | Error; exhausted: boolean };

export interface TaskContext {
  hooks: RetryHooks;
  signal: AbortSignal;
  /** names what the task is doing now (shown with the spinner) */
  phase(text: string): void;
}

export interface Task<T> {
  state: TaskState<T>;
  /** during a wait: the next attempt now; after a failure: the whole task again */
  retryNow(): void;
}

export function useServiceTask<T>(run: (ctx: TaskContext) => Promise<T>, onDone?: (value: T) => void, initialPhase = ""): Task<T> {
  const [state, setState] = useState<TaskState<T>>({ kind: "running", attempt: 1, phase: initialPhase });
  const skip = useRef<(() => void) | null>(null);
  const controller = useRef<AbortController | null>(null);
  const progress = useRef({ attempt: 1, phase: initialPhase });
  const latest = useRef({ run, onDone });
  latest.current = { run, onDone };

  const start = useCallback(() => {
    controller.current?.abort();
    const ac = new AbortController();
    controller.current = ac;
    const live = () => !ac.signal.aborted;
    const base = progress.current.attempt - 1;
    progress.current.attempt = base + 1;
    setState({ kind: "running", attempt: base + 1, phase: progress.current.phase });
    const hooks: RetryHooks = {
      signal: ac.signal,
      onAttempt: (n) => {
        progress.current.attempt = base + n;
        if (live() && n > 1) setState({ kind: "running", attempt: base + n, phase: progress.current.phase });
      },
      onWait: (w) => {
        if (live())
          setState({
            kind: "waiting",
            attempt: base + w.attempt,
            attempts: base + w.attempts,
            retryAt: w.retryAt,
            error: w.error,
            phase: progress.current.phase,
          });
      },
      wait: (ms, signal) =>
        new Promise<void>((resolve, reject) => {
          skip.current = resolve;
          sleep(ms, signal).then(resolve, reject);
        }).finally(() => (skip.current = null)),
    };
    const phase = (text: string) => {
      progress.current.phase = text;
      if (live()) setState({ kind: "running", attempt: progress.current.attempt, phase: text });
    };
    latest.current.run({ hooks, signal: ac.signal, phase }).then(
      (value) => {
        if (!live()) return;
        setState({ kind: "done", value });
        latest.current.onDone?.(value);
      },
      (err: unknown) => {
        if (!live()) return;
        const error = err instanceof Error ? err : new Error(String(err));
        // a retryable answer escapes the retrying call only once its attempts ran out
        setState({ kind: "failed", attempt: progress.current.attempt, error, exhausted: error instanceof AlgaLicenseError && error.retryable });
      },
    );
  }, []);

  useEffect(() => {
    start();
    return () => controller.current?.abort();
  }, [start]);

  const retryNow = useCallback(() => {
    if (skip.current) return skip.current();
    progress.current.attempt += 1;
    start();
  }, [start]);

  return { state, retryNow };
}
