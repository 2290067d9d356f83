// Checks the code's state with the license service without spending it (installCodeStatus), so a used,
// revoked or expired code, another organisation's code or a suspended organisation is said before the
// admin password is asked for. When the service cannot say, the operator may continue: the redemption
// checks the code again.
import { Box, Text } from "ink";
import { useRef } from "react";
import { type Binding } from "../binding.js";
import { AlgaLicenseError, undecided } from "@alga-license/contract";
import { checkCode, codeProblem, describeFailure } from "../flows.js";
import { failureCode, INTERACTIVE_POLICY, type InstallCodeStatus } from "../license-api.js";
import { useKeypress } from "./keypress.js";
import { Frame, Problem, type FlowName } from "./frame.js";
import { Countdown, Running } from "./task-view.js";
import { useServiceTask } from "./use-task.js";

export interface CheckProps {
  flow: FlowName;
  licenseUrl: string;
  installCode: string;
  binding?: Binding | null;
  /** connect: the appliance's own tenant */
  connectTenant?: { tenantId: string; companyName: string };
  /** a redemption key is kept for this code: "used" may be this appliance's own lost answer */
  earlierAttempt?: boolean;
  onBack: () => void;
  /** the code's state, or null when the service could not say and the operator continues */
  onOk: (status: InstallCodeStatus | null) => void;
  /** setup: the service is unreachable and the operator activates by file instead ("No network?") */
  onOffline?: () => void;
}

export function CheckStep(p: CheckProps) {
  const since = useRef(Date.now());
  const task = useServiceTask(
    async (ctx) => {
      const status = await checkCode(p.licenseUrl, p.installCode, { policy: { ...INTERACTIVE_POLICY, attempts: 3 }, hooks: ctx.hooks });
      const problem = codeProblem(status, {
        binding: p.binding ?? undefined,
        connectTenantId: p.connectTenant?.tenantId,
        connectCompany: p.connectTenant?.companyName,
        earlierAttempt: p.earlierAttempt,
      });
      if (problem) throw problem;
      return status;
    },
    (status) => p.onOk(status),
  );
  const s = task.state;
  const unsure = s.kind === "failed" && s.error instanceof AlgaLicenseError && undecided(failureCode(s.error));
  const rateLimited = s.kind === "failed" && s.error instanceof AlgaLicenseError && s.error.code === "RATE_LIMITED";
  // no answer at all (refused, DNS, timeout): activation by request file is the way out
  const offline =
    !!p.onOffline && (s.kind === "waiting" || s.kind === "failed") && s.error instanceof AlgaLicenseError && failureCode(s.error) === "UNREACHABLE";
  useKeypress((key) => {
    if (s.kind === "running" || s.kind === "done") return;
    if (key.name === "escape") p.onBack();
    else if (key.name === "text" && key.text.toLowerCase() === "r" && (s.kind === "waiting" || unsure || rateLimited)) task.retryNow();
    else if (key.name === "return" && unsure) p.onOk(null);
    else if (key.name === "text" && key.text.toLowerCase() === "o" && offline) p.onOffline!();
  });

  let body;
  let keys = "please wait · Ctrl+C quit";
  if (s.kind === "running" || s.kind === "done") {
    body = (
      <Running text={`Checking install code ${p.installCode} with the license service`} attempt={s.kind === "running" ? s.attempt : 1} since={since.current} />
    );
  } else if (s.kind === "waiting") {
    const why = describeFailure(s.error).explanation;
    body = (
      <>
        <Problem title={why.title} detail={why.detail} />
        <Countdown state={s} />
        {offline ? <Text color="yellow">No network? Press O to activate offline (by request file).</Text> : null}
      </>
    );
    keys = offline ? "R retry now · O activate offline · Esc back · Ctrl+C quit" : "R retry now · Esc back · Ctrl+C quit";
  } else if (unsure) {
    const why = describeFailure(s.error).explanation;
    body = (
      <Problem
        title="The code's state could not be checked"
        detail={`${why.title}: ${why.detail}`}
        action={
          offline
            ? "No network? Press O to activate offline (by request file) · R checks again."
            : "Enter continues anyway (the code is checked when it is redeemed) · R checks again."
        }
      />
    );
    keys = offline ? "O activate offline · Enter continue · R check again · Esc back · Ctrl+C quit" : "Enter continue · R check again · Esc back · Ctrl+C quit";
  } else {
    const why = describeFailure(s.error, "The check failed").explanation;
    body = <Problem title={why.title} detail={why.detail} action={why.action} />;
    keys = rateLimited ? "R retry now · Esc back to the code · Ctrl+C quit" : "Esc back to enter another code · Ctrl+C quit";
  }
  return (
    <Frame flow={p.flow} step="code" keys={keys}>
      <Text>Install code {p.installCode}</Text>
      <Box flexDirection="column" marginTop={1}>
        {body}
      </Box>
    </Frame>
  );
}
