// Admin password, masked, typed twice; the rules are on screen.
import { Box, Text } from "ink";
import { useRef, useState } from "react";
import { PASSWORD_RULES, passwordProblems } from "../password-policy.js";
import { Frame, Problem } from "./frame.js";
import { printable, useTypedText } from "./use-typed-text.js";

export function PasswordStep({ onBack, onNext }: { onBack: () => void; onNext: (password: string) => void }) {
  const [problem, setProblem] = useState<string | null>(null);
  // field and first password change within one burst of keys: refs, not state
  const field = useRef<0 | 1>(0);
  const first = useRef("");
  const typed = useTypedText("", (input, key, text) => {
    if (key.escape) {
      if (field.current === 0) return onBack();
      field.current = 0;
      text.set(first.current);
      return;
    }
    if (key.return) {
      if (field.current === 0) {
        const problems = passwordProblems(text.get());
        if (problems.length) return setProblem(`The password ${problems.join(", ")}.`);
        setProblem(null);
        first.current = text.get();
        field.current = 1;
        return text.set("");
      }
      if (text.get() !== first.current) {
        setProblem("The two passwords do not match. Type it again.");
        return text.set("");
      }
      return onNext(first.current);
    }
    if (key.backspace || key.delete) return text.set(text.get().slice(0, -1));
    if (printable(input, key)) {
      setProblem(null);
      text.set(text.get() + input);
    }
  });
  const cursor = <Text inverse> </Text>;
  return (
    <Frame step={2} keys="Enter continue · Esc back · Ctrl+C quit">
      <Text>Choose the appliance administrator's password. It stays on this appliance.</Text>
      <Box flexDirection="column" marginTop={1}>
        <Text dimColor>Rules: {PASSWORD_RULES.join("; ")}.</Text>
        <Box marginTop={1}>
          <Text>Password:         {"*".repeat(field.current === 0 ? typed.length : first.current.length)}</Text>
          {field.current === 0 ? cursor : null}
        </Box>
        <Box>
          <Text>Confirm password: {field.current === 1 ? "*".repeat(typed.length) : ""}</Text>
          {field.current === 1 ? cursor : null}
        </Box>
      </Box>
      {problem ? <Problem title="Password not accepted" detail={problem} /> : null}
    </Frame>
  );
}
