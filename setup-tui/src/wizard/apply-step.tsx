// Writes the two seeds, each step with its own status line. A failure here comes after the code was
// consumed: retrying the apply is fine; leaving now means a re-issued code is needed.
import { Box, Text } from "ink";
import Spinner from "ink-spinner";
import { useCallback, useEffect, useRef, useState } from "react";
import { REISSUE_HINT } from "@alga-license/contract";
import type { ApplyStep as Step } from "../seeds.js";
import { useKeypress } from "./keypress.js";
import { Frame, Problem } from "./frame.js";

type Status = { state: "pending" | "running" | "done" | "failed"; note?: string };

export function ApplyStep({ steps, onDone }: { steps: Step[]; onDone: (notes: string[]) => void }) {
  const [status, setStatus] = useState<Status[]>(steps.map(() => ({ state: "pending" })));
  const [failed, setFailed] = useState<string | null>(null);
  const live = useRef(true);
  useEffect(() => () => void (live.current = false), []);

  const runAll = useCallback(async () => {
    setFailed(null);
    const notes: string[] = [];
    for (let i = 0; i < steps.length; i++) {
      setStatus((s) => s.map((x, j) => (j === i ? { state: "running" } : x)));
      try {
        const note = await steps[i]!.run();
        notes.push(note);
        if (!live.current) return;
        setStatus((s) => s.map((x, j) => (j === i ? { state: "done", note } : x)));
      } catch (err) {
        if (!live.current) return;
        const message = err instanceof Error ? err.message : String(err);
        setStatus((s) => s.map((x, j) => (j === i ? { state: "failed", note: message } : x)));
        setFailed(message);
        return;
      }
    }
    onDone(notes);
  }, [steps, onDone]);

  useEffect(() => void runAll(), [runAll]);
  useKeypress((key) => {
    if (failed && key.name === "text" && key.text.toLowerCase() === "r") void runAll();
  });

  return (
    <Frame flow="setup" step="apply" keys={failed ? "R retry · Ctrl+C quit" : "please wait · Ctrl+C quit"}>
      <Text>Writing the seeds the appliance bootstrap consumes:</Text>
      <Box flexDirection="column" marginTop={1}>
        {steps.map((step, i) => {
          const s = status[i]!;
          return (
            <Text key={step.name} wrap="wrap">
              {s.state === "running" ? (
                <Spinner type="dots" />
              ) : s.state === "done" ? (
                <Text color="green">✓</Text>
              ) : s.state === "failed" ? (
                <Text color="red">✗</Text>
              ) : (
                <Text dimColor>·</Text>
              )}{" "}
              {step.name}
              {s.note ? <Text dimColor> — {s.note}</Text> : null}
            </Text>
          );
        })}
      </Box>
      {failed ? (
        <Problem
          title="Applying the seeds failed"
          detail={`The install code has already been used, so keep this console open: fix the problem and press R to retry.`}
          action={`If you quit now, the install needs a re-issued code. ${REISSUE_HINT}`}
        />
      ) : null}
    </Frame>
  );
}
