// The admin password, masked, typed twice, with the rules on screen. A password chosen before (the
// operator went back to fix the code) is kept: Enter uses it, Ctrl+U types a new one.
import { Box, Text } from "ink";
import { useRef, useState } from "react";
import { PASSWORD_RULES, passwordProblems } from "../password-policy.js";
import { editText, useField } from "./field.js";
import { useKeypress } from "./keypress.js";
import { Frame, Problem } from "./frame.js";

export function PasswordStep({ kept, onBack, onNext }: { kept: string; onBack: () => void; onNext: (password: string) => void }) {
  const [problem, setProblem] = useState<string | null>(null);
  // the field, the first password and the kept one change within one burst of keys: refs, not state
  const field = useRef<0 | 1>(0);
  const first = useRef("");
  const keep = useRef(kept);
  const typed = useField("");
  useKeypress((key) => {
    if (keep.current) {
      if (key.name === "return") return onNext(keep.current);
      if (key.name === "escape") return onBack();
      if (key.name === "clear" || key.name === "backspace" || key.name === "delete" || key.name === "text") {
        keep.current = "";
        typed.set(key.name === "text" ? key.text : "");
      }
      return;
    }
    if (key.name === "escape") {
      if (field.current === 0) return onBack();
      field.current = 0;
      setProblem(null);
      return typed.set(first.current);
    }
    if (key.name === "return") {
      if (field.current === 0) {
        const problems = passwordProblems(typed.get());
        if (problems.length) return setProblem(`The password ${problems.join(", ")}.`);
        setProblem(null);
        first.current = typed.get();
        field.current = 1;
        return typed.set("");
      }
      if (typed.get() !== first.current) {
        setProblem("The two passwords do not match. Type it again.");
        return typed.set("");
      }
      return onNext(first.current);
    }
    const next = editText(typed.get(), key, { max: 256 });
    if (next !== null) {
      setProblem(null);
      typed.set(next);
    }
  });
  const cursor = <Text inverse> </Text>;
  const kept_ = keep.current;
  return (
    <Frame
      flow="setup"
      step="password"
      keys={kept_ ? "Enter keep this password · Ctrl+U choose another · Esc back" : "Enter continue · Ctrl+U clear · Esc back · Ctrl+C quit"}
    >
      <Text>Choose the appliance administrator's password. It stays on this appliance.</Text>
      <Box flexDirection="column" marginTop={1}>
        <Text dimColor>Rules: {PASSWORD_RULES.join("; ")}.</Text>
        <Box marginTop={1}>
          <Text>
            {"Password:         "}
            {"*".repeat(kept_ ? kept_.length : field.current === 0 ? typed.value.length : first.current.length)}
          </Text>
          {!kept_ && field.current === 0 ? cursor : null}
        </Box>
        <Box>
          <Text>Confirm password: {kept_ ? "*".repeat(kept_.length) : field.current === 1 ? "*".repeat(typed.value.length) : ""}</Text>
          {!kept_ && field.current === 1 ? cursor : null}
        </Box>
        {kept_ ? <Text color="green">✓ The password you chose before is kept.</Text> : null}
      </Box>
      {problem ? <Problem title="Password not accepted" detail={problem} /> : null}
    </Frame>
  );
}
