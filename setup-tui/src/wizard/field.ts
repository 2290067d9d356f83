// Editing a one-line field with the keys of keypress.tsx: text appends (a paste arrives as one text
// key), Backspace/Delete remove the last character, Ctrl+U clears. Pure functions: the screens keep the
// value in a ref so every key of a burst edits the result of the key before it.
import { useRef, useState } from "react";
import { canonicalizeInstallCode, checkInstallCode, CODE_LENGTH } from "../install-code.js";
import type { Keypress } from "./keypress.js";

/** The edited value, or null when the key is not an edit. */
export function editText(value: string, key: Keypress, o: { max?: number } = {}): string | null {
  switch (key.name) {
    case "backspace":
    case "delete":
      return [...value].slice(0, -1).join("");
    case "clear":
      return "";
    case "text":
      return (value + key.text).slice(0, o.max ?? 1000);
    default:
      return null;
  }
}

/** The install-code field: keeps code characters only; a pasted complete code replaces what is there. */
export function editCode(value: string, key: Keypress): string | null {
  if (key.name !== "text") return editText(value, key);
  const cleaned = key.text.replace(/[\s-]+/g, "");
  if (!cleaned) return value;
  if (checkInstallCode(cleaned).ok) return canonicalizeInstallCode(cleaned)!;
  const typed = canonicalizeInstallCode(cleaned) ?? cleaned.toUpperCase();
  return (value + typed).slice(0, CODE_LENGTH + 4);
}

/** A value edited synchronously by key handlers (refs), re-rendered after each change. */
export function useField(initial: string): { get(): string; set(v: string): void; value: string } {
  const ref = useRef(initial);
  const [, render] = useState(0);
  return {
    get: () => ref.current,
    set: (v) => {
      ref.current = v;
      render((n) => n + 1);
    },
    value: ref.current,
  };
}
