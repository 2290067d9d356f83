// How a running service task looks: spinner, phase, attempt; the countdown of a wait with R.
import { Box, Text } from "ink";
import Spinner from "ink-spinner";
import { useEffect, useState } from "react";
import type { TaskState } from "./use-task.js";

/** Re-renders every 250 ms while active (elapsed time, countdowns). */
export function useClock(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

export function Running({ text, attempt, since }: { text: string; attempt: number; since: number }) {
  const now = useClock(true);
  return (
    <Text>
      <Text color="cyan">
        <Spinner type="dots" />
      </Text>{" "}
      {text}… {Math.floor((now - since) / 1000)}s{attempt > 1 ? ` (attempt ${attempt})` : ""}
    </Text>
  );
}

export function Countdown({ state }: { state: Extract<TaskState<unknown>, { kind: "waiting" }> }) {
  const now = useClock(true);
  return (
    <Box marginTop={1}>
      <Text color="yellow" wrap="wrap">
        Retrying in {Math.max(0, Math.ceil((state.retryAt - now) / 1000))}s (attempt {state.attempt + 1} of {state.attempts}) — press R to retry now.
      </Text>
    </Box>
  );
}
