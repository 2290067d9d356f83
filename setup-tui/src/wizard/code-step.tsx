import { Box, Text } from "ink";
import { useState } from "react";
import { checkInstallCode, CODE_LENGTH } from "../install-code.js";
import { CodeInput } from "./code-input.js";
import { Frame, Problem } from "./frame.js";

const REASONS = {
  CHARACTERS: "It contains characters that never appear in install codes.",
  LENGTH: `An install code has ${CODE_LENGTH} characters (5 groups of 4).`,
  CHECK: "One character is mistyped (the check character does not match). Compare it with the email.",
};

export function CodeStep({ initial, onBack, onNext }: { initial: string; onBack: () => void; onNext: (formatted: string) => void }) {
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (value: string) => {
    const check = checkInstallCode(value);
    if (check.ok) return onNext(check.formatted);
    setProblem(check.reason === "LENGTH" ? `${REASONS.LENGTH} You typed ${value.length}.` : REASONS[check.reason]);
  };
  return (
    <Frame step={1} keys="Enter continue · Esc back · Ctrl+C quit">
      <Text>Enter the install code from your registration email. Dashes and case do not matter.</Text>
      <Box marginTop={1}>
        <Text>Install code: </Text>
        <CodeInput initial={initial} onChange={() => setProblem(null)} onSubmit={submit} onEscape={onBack} />
      </Box>
      {problem ? <Problem title="That is not a valid install code" detail={problem} /> : null}
    </Frame>
  );
}
