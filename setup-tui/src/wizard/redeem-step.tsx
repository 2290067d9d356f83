// Redeems the code: spinner with elapsed time; the service being unreachable is retried with backoff
// (R retries at once); a refused code explains itself and Esc goes back to enter another one.
import { Box, Text } from "ink";
import Spinner from "ink-spinner";
import { useCallback, useEffect, useRef, useState } from "react";
import { backoffSeconds, explain, isTransient } from "../explain.js";
import { LicenseServiceError, redeemInstallCode, type LicenseErrorCode, type RedeemResult } from "../license-api.js";
import { useKeys } from "./key-router.js";
import { Frame, Problem } from "./frame.js";

const MAX_AUTOMATIC_ATTEMPTS = 6;

type State =
  | { kind: "running"; attempt: number }
  | { kind: "waiting"; attempt: number; retryAt: number; code: LicenseErrorCode; message: string }
  | { kind: "failed"; attempt: number; code: LicenseErrorCode; message: string };

export function RedeemStep(props: {
  licenseUrl: string;
  installCode: string;
  applianceId: string;
  onBack: () => void;
  onSuccess: (r: RedeemResult) => void;
}) {
  const { licenseUrl, installCode, applianceId, onBack, onSuccess } = props;
  const [state, setState] = useState<State>({ kind: "running", attempt: 1 });
  const [now, setNow] = useState(Date.now());
  const started = useRef(Date.now());
  const live = useRef(true);
  useEffect(() => () => void (live.current = false), []);

  const attempt = useCallback(
    (n: number) => {
      setState({ kind: "running", attempt: n });
      redeemInstallCode(licenseUrl, installCode, applianceId).then(
        (r) => live.current && onSuccess(r),
        (err: unknown) => {
          if (!live.current) return;
          const e = err instanceof LicenseServiceError ? err : new LicenseServiceError("INTERNAL_SERVER_ERROR", String(err));
          if (isTransient(e.code) && n < MAX_AUTOMATIC_ATTEMPTS) {
            setState({ kind: "waiting", attempt: n, retryAt: Date.now() + backoffSeconds(n) * 1000, code: e.code, message: e.message });
          } else setState({ kind: "failed", attempt: n, code: e.code, message: e.message });
        },
      );
    },
    [licenseUrl, installCode, applianceId, onSuccess],
  );

  useEffect(() => attempt(1), [attempt]);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    if (state.kind === "waiting" && now >= state.retryAt) attempt(state.attempt + 1);
  }, [now, state, attempt]);

  useKeys((input, key) => {
    if (state.kind === "running") return;
    if (key.escape) onBack();
    else if (input.toLowerCase() === "r" && (state.kind === "waiting" || isTransient(state.code) || state.code === "RATE_LIMITED")) {
      attempt(state.attempt + 1);
    }
  });

  const elapsed = Math.floor((now - started.current) / 1000);
  if (state.kind === "running") {
    return (
      <Frame step={3} keys="please wait · Ctrl+C quit">
        <Text>
          <Text color="cyan">
            <Spinner type="dots" />
          </Text>{" "}
          Redeeming install code {installCode} with the license service… {elapsed}s
          {state.attempt > 1 ? ` (attempt ${state.attempt})` : ""}
        </Text>
      </Frame>
    );
  }
  const why = explain(state.code, state.message);
  const retryable = state.kind === "waiting" || isTransient(state.code) || state.code === "RATE_LIMITED";
  const consumedAfterRetry = state.code === "CONSUMED_INSTALL_CODE" && state.attempt > 1;
  return (
    <Frame step={3} keys={retryable ? "R retry now · Esc back · Ctrl+C quit" : "Esc back to enter another code · Ctrl+C quit"}>
      <Text>
        Install code {installCode}, appliance {applianceId}
      </Text>
      <Problem
        title={why.title}
        detail={
          consumedAfterRetry
            ? `${why.detail} An earlier attempt whose answer was lost may have used it.`
            : why.detail
        }
        action={why.action}
      />
      {state.kind === "waiting" ? (
        <Box marginTop={1}>
          <Text color="yellow">
            Retrying in {Math.max(0, Math.ceil((state.retryAt - now) / 1000))}s (attempt {state.attempt + 1} of {MAX_AUTOMATIC_ATTEMPTS}) — press R to retry now.
          </Text>
        </Box>
      ) : null}
      <Box marginTop={1}>
        <Text dimColor>The install stays blocked: this appliance never creates a tenant on its own.</Text>
      </Box>
    </Frame>
  );
}
