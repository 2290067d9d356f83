// The install code: grouped as typed, case- and dash-insensitive, Ctrl+U clears, a pasted complete code
// replaces what is there; checked locally (alphabet, length, check character) before anything is sent.
import { Box, Text } from "ink";
import { useState } from "react";
import { checkInstallCode, CODE_LENGTH, describeInstallCodeProblem, formatInstallCode } from "../install-code.js";
import { editCode, useField } from "./field.js";
import { useKeypress } from "./keypress.js";
import { Frame, Problem, type FlowName } from "./frame.js";

export function CodeStep(props: { flow: FlowName; initial: string; onBack: () => void; onNext: (formatted: string) => void }) {
  const { flow, initial, onBack, onNext } = props;
  const field = useField(initial);
  const [problem, setProblem] = useState<string | null>(null);
  useKeypress((key) => {
    if (key.name === "escape") return onBack();
    if (key.name === "return") {
      const check = checkInstallCode(field.get());
      if (check.ok) return onNext(check.formatted);
      return setProblem(describeInstallCodeProblem(check.reason, field.get()));
    }
    const next = editCode(field.get(), key);
    if (next !== null) {
      setProblem(null);
      field.set(next);
    }
  });
  return (
    <Frame flow={flow} step="code" keys="Enter continue · Ctrl+U clear · Esc back · Ctrl+C quit">
      <Text>Enter the install code from your registration email. Dashes and case do not matter.</Text>
      <Box marginTop={1}>
        <Text>Install code: </Text>
        <Text bold color="cyan">
          {formatInstallCode(field.value) || " "}
        </Text>
        <Text inverse> </Text>
        <Text dimColor>
          {"  "}
          {field.value.length}/{CODE_LENGTH}
        </Text>
      </Box>
      {problem ? <Problem title="That is not a valid install code" detail={`${problem} Nothing was sent.`} /> : null}
    </Frame>
  );
}
