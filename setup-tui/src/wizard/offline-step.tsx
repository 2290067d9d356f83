// "No network? Activate offline": the license service cannot be reached, so this appliance writes an
// activation request (offline/activation.ts), shows it as a QR code (when the console is large
// enough) and as text, and names the file written; the operator carries it to the vendor and types
// the path of the response file the vendor sends back. The response is verified here (signature,
// keys, pending nonce, this appliance's key) before the admin password is asked for.
import { Box, Text, useStdout } from "ink";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { useEffect, useState } from "react";
import { makeActivationRequest, verifyActivationResponse, type OfflineRequest, type VerifiedActivation } from "../offline/activation.js";
import { describeOfflineFailure } from "../offline/failures.js";
import { qrLines, wrapText } from "../offline/qr.js";
import type { WizardSettings } from "./app.js";
import { editText, useField } from "./field.js";
import { useKeypress } from "./keypress.js";
import { Frame, Problem } from "./frame.js";

export const OFFLINE_REQUEST_FILE = "offline-request.json";

export interface OfflineStepProps {
  settings: WizardSettings;
  installCode: string;
  onBack: () => void;
  /** the response verified: its path, and what it grants */
  onVerified: (responseFile: string, v: VerifiedActivation) => void;
}

type State = { kind: "making" } | { kind: "failed"; title: string; detail: string; action: string } | { kind: "shown"; request: OfflineRequest; file: string };

export function OfflineStep(p: OfflineStepProps) {
  const { stdout } = useStdout();
  const [state, setState] = useState<State>({ kind: "making" });
  const [problem, setProblem] = useState<{ title: string; detail: string; action: string } | null>(null);
  const [checking, setChecking] = useState(false);
  const field = useField("");
  const s = p.settings;

  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        const request = await makeActivationRequest({ installCode: p.installCode, applianceId: s.applianceId, stateDir: s.stateDir, clock: s.clock });
        const file = path.resolve(s.target.outputDir, OFFLINE_REQUEST_FILE);
        mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        writeFileSync(file, request.file, { mode: 0o644 });
        if (live) setState({ kind: "shown", request, file });
      } catch (err) {
        const f = describeOfflineFailure(err);
        if (live) setState({ kind: "failed", ...f.explanation });
      }
    })();
    return () => void (live = false);
  }, [p.installCode, s.applianceId, s.stateDir, s.clock, s.target.outputDir]);

  useKeypress((key) => {
    if (checking) return;
    if (key.name === "escape") return p.onBack();
    if (state.kind !== "shown") return;
    if (key.name === "return") {
      const file = field.get().trim();
      if (!file)
        return setProblem({
          title: "Type the path of the response file",
          detail: "The vendor answers the request with a response file (alga-store activate-offline writes it).",
          action: "Copy it onto this machine and type its path.",
        });
      setChecking(true);
      setProblem(null);
      void verifyActivationResponse({
        responseFile: file,
        applianceId: s.applianceId,
        stateDir: s.stateDir,
        vendorKeys: s.vendorKeys,
        graceSeconds: s.graceSeconds,
        clock: s.clock,
      }).then(
        (v) => p.onVerified(file, v),
        (err) => {
          setChecking(false);
          setProblem(describeOfflineFailure(err).explanation);
        },
      );
      return;
    }
    const next = editText(field.get(), key, { max: 500 });
    if (next !== null) field.set(next);
  });

  if (state.kind !== "shown") {
    return (
      <Frame flow="offline" step="offline" keys="Esc back · Ctrl+C quit">
        {state.kind === "making" ? <Text>Making the activation request…</Text> : <Problem title={state.title} detail={state.detail} action={state.action} />}
      </Frame>
    );
  }
  const qr = qrLines(state.request.jws);
  const columns = stdout.columns ?? 80;
  const rows = stdout.rows ?? 24;
  const showQr = columns >= qr.width && rows >= qr.height + 22;
  return (
    <Box flexDirection="column">
      {showQr ? (
        <Box flexDirection="column">
          {qr.lines.map((line, i) => (
            <Text key={i}>{line}</Text>
          ))}
        </Box>
      ) : null}
      <Frame flow="offline" step="offline" keys={checking ? "checking the response · Ctrl+C quit" : "Enter check the response file · Esc back · Ctrl+C quit"}>
        <Text>
          No network path to the license service: activate by file. The request for appliance <Text bold>{s.applianceId}</Text> is in
        </Text>
        <Text bold color="cyan">
          {state.file}
        </Text>
        <Text dimColor>
          {showQr
            ? "Scan the QR code above, or carry the file (or this text) to your vendor:"
            : `Carry the file (or this text) to your vendor${columns < qr.width || rows < qr.height + 22 ? ` — a console of ${qr.width}×${qr.height + 22} shows it as a QR code` : ""}:`}
        </Text>
        <Box flexDirection="column">
          {wrapText(state.request.jws, 74).map((line, i) => (
            <Text key={i}>{line}</Text>
          ))}
        </Box>
        <Box marginTop={1}>
          <Text>Response file: </Text>
          <Text bold color="cyan">
            {field.value}
          </Text>
          <Text inverse> </Text>
        </Box>
        {problem ? <Problem title={problem.title} detail={problem.detail} action={problem.action} /> : null}
      </Frame>
    </Box>
  );
}
