// Install-code field: shows what is typed in groups of four, accepts paste, ignores case and dashes.
import { Text, useInput } from "ink";
import { canonicalizeInstallCode, CODE_LENGTH, formatInstallCode } from "../install-code.js";

export function CodeInput({ value, onChange, onSubmit }: { value: string; onChange: (v: string) => void; onSubmit: () => void }) {
  useInput((input, key) => {
    if (key.return) return onSubmit();
    if (key.backspace || key.delete) return onChange(value.slice(0, -1));
    if (key.ctrl || key.meta || key.escape || key.tab || key.upArrow || key.downArrow) return;
    // keep what can be part of a code; a paste arrives here as one string
    const cleaned = input.replace(/[\s-]+/g, "");
    const canonical = canonicalizeInstallCode(cleaned) ?? cleaned.toUpperCase();
    onChange((value + canonical).slice(0, CODE_LENGTH + 4));
  });
  const shown = formatInstallCode(value);
  return (
    <Text>
      <Text bold color="cyan">{shown || " "}</Text>
      <Text inverse> </Text>
      <Text dimColor>  {value.length}/{CODE_LENGTH}</Text>
    </Text>
  );
}
