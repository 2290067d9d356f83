// Install-code field: shows what is typed in groups of four, accepts paste, ignores case and dashes.
import { Text } from "ink";
import { canonicalizeInstallCode, CODE_LENGTH, formatInstallCode } from "../install-code.js";
import { printable, useTypedText } from "./use-typed-text.js";

export function CodeInput(props: { initial: string; onChange: () => void; onSubmit: (value: string) => void; onEscape: () => void }) {
  const { initial, onChange, onSubmit, onEscape } = props;
  const value = useTypedText(initial, (input, key, text) => {
    if (key.escape) return onEscape();
    if (key.return) return onSubmit(text.get());
    if (key.backspace || key.delete) {
      text.set(text.get().slice(0, -1));
      return onChange();
    }
    if (!printable(input, key)) return;
    // keep what can be part of a code; a paste arrives here as one string
    const cleaned = input.replace(/[\s-]+/g, "");
    text.set((text.get() + (canonicalizeInstallCode(cleaned) ?? cleaned.toUpperCase())).slice(0, CODE_LENGTH + 4));
    onChange();
  });
  return (
    <Text>
      <Text bold color="cyan">{formatInstallCode(value) || " "}</Text>
      <Text inverse> </Text>
      <Text dimColor>  {value.length}/{CODE_LENGTH}</Text>
    </Text>
  );
}
