// Pins the vendor's keys, redeems the code and verifies the first license (connect: then updates this
// appliance's license state). The service being unreachable or busy is retried with backoff, or after
// the time it asked for, with a countdown (R retries at once); a refused code explains itself and Esc
// goes back to enter another one (the password chosen stays).
import { Box, Text } from "ink";
import { useRef } from "react";
import { AlgaLicenseError } from "@alga-license/contract";
import { describeFailure, FlowError, redeemVerified, type RedeemPlan, type Redemption } from "../flows.js";
import { INTERACTIVE_POLICY } from "../license-api.js";
import { useKeypress } from "./keypress.js";
import { Frame, Problem, type FlowName, type StepName } from "./frame.js";
import { Countdown, Running } from "./task-view.js";
import { useServiceTask } from "./use-task.js";

export interface RedeemProps {
  flow: FlowName;
  step: StepName;
  plan: RedeemPlan;
  /** connect: what to do with the redemption before the done screen */
  then?: (r: Redemption) => Promise<string[]>;
  onBack: () => void;
  onSuccess: (r: Redemption, notes: string[]) => void;
}

const retryable = (e: Error) => e instanceof AlgaLicenseError && (e.retryable || e.code === "RATE_LIMITED");

export function RedeemStep(p: RedeemProps) {
  const since = useRef(Date.now());
  const task = useServiceTask(
    async (ctx) => {
      const r = await redeemVerified(p.plan, { policy: INTERACTIVE_POLICY, hooks: ctx.hooks, phase: ctx.phase });
      ctx.phase("Updating this appliance's license");
      const notes = p.then ? await p.then(r) : [];
      return { r, notes };
    },
    ({ r, notes }) => p.onSuccess(r, notes),
    "Fetching the vendor's license keys",
  );
  const s = task.state;
  useKeypress((key) => {
    if (s.kind === "running" || s.kind === "done") return;
    const codeUsed = s.kind === "failed" && s.error instanceof FlowError && s.error.codeUsed;
    if (key.name === "escape" && !codeUsed) p.onBack();
    else if (key.name === "text" && key.text.toLowerCase() === "r" && (s.kind === "waiting" || retryable(s.error))) task.retryNow();
  });

  if (s.kind === "running" || s.kind === "done") {
    return (
      <Frame flow={p.flow} step={p.step} keys="please wait · Ctrl+C quit">
        <Running
          text={
            s.kind === "running" && s.phase === "Redeeming the install code"
              ? `Redeeming install code ${p.plan.installCode} with the license service`
              : s.kind === "running"
                ? s.phase
                : "Done"
          }
          attempt={s.kind === "running" ? s.attempt : 1}
          since={since.current}
        />
      </Frame>
    );
  }
  const failure = describeFailure(s.error);
  const canRetry = s.kind === "waiting" || retryable(s.error);
  const consumedAfterRetry = failure.code === "CONSUMED_INSTALL_CODE" && s.attempt > 1;
  return (
    <Frame
      flow={p.flow}
      step={p.step}
      keys={canRetry ? "R retry now · Esc back · Ctrl+C quit" : failure.codeUsed ? "Ctrl+C quit" : "Esc back to enter another code · Ctrl+C quit"}
    >
      <Text>
        Install code {p.plan.installCode}, appliance {p.plan.applianceId}
      </Text>
      <Problem
        title={failure.explanation.title}
        detail={consumedAfterRetry ? `${failure.explanation.detail} An earlier attempt whose answer was lost may have used it.` : failure.explanation.detail}
        action={failure.explanation.action}
      />
      {s.kind === "waiting" ? <Countdown state={s} /> : null}
      <Box marginTop={1}>
        <Text dimColor>The install stays blocked: this appliance never creates a tenant on its own.</Text>
      </Box>
    </Frame>
  );
}
