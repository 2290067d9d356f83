import { Box, Text, useInput } from "ink";
import TextInput from "ink-text-input";
import { useState } from "react";
import { PASSWORD_RULES, passwordProblems } from "../password-policy.js";
import { Frame, Problem } from "./frame.js";

export function PasswordStep({ onBack, onNext }: { onBack: () => void; onNext: (password: string) => void }) {
  const [first, setFirst] = useState("");
  const [second, setSecond] = useState("");
  const [field, setField] = useState<0 | 1>(0);
  const [problem, setProblem] = useState<string | null>(null);
  useInput((_input, key) => {
    if (!key.escape) return;
    if (field === 1) {
      setField(0);
      setSecond("");
    } else onBack();
  });
  const submitFirst = () => {
    const problems = passwordProblems(first);
    if (problems.length) return setProblem(`The password ${problems.join(", ")}.`);
    setProblem(null);
    setField(1);
  };
  const submitSecond = () => {
    if (second !== first) {
      setSecond("");
      return setProblem("The two passwords do not match. Type it again.");
    }
    onNext(first);
  };
  return (
    <Frame step={2} keys="Enter continue · Esc back · Ctrl+C quit">
      <Text>Choose the appliance administrator's password. It stays on this appliance.</Text>
      <Box flexDirection="column" marginTop={1}>
        <Text dimColor>Rules: {PASSWORD_RULES.join("; ")}.</Text>
        <Box marginTop={1}>
          <Text>Password:         </Text>
          {field === 0 ? (
            <TextInput value={first} mask="*" onChange={(v) => { setFirst(v); setProblem(null); }} onSubmit={submitFirst} />
          ) : (
            <Text>{"*".repeat(first.length)}</Text>
          )}
        </Box>
        <Box>
          <Text>Confirm password: </Text>
          {field === 1 ? <TextInput value={second} mask="*" onChange={setSecond} onSubmit={submitSecond} /> : null}
        </Box>
      </Box>
      {problem ? <Problem title="Password not accepted" detail={problem} /> : null}
    </Frame>
  );
}
