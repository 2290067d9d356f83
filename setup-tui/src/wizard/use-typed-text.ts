// Text typed into the console, kept in a ref updated synchronously in the key handler, so keys that
// arrive faster than React re-renders (a paste, tmux send-keys, a quick typist) are never lost or
// applied to a stale value.
import type { Key } from "ink";
import { useRef, useState } from "react";
import { useKeys } from "./key-router.js";

export interface TypedText {
  get(): string;
  set(value: string): void;
}

export function useTypedText(initial: string, handle: (input: string, key: Key, text: TypedText) => void): string {
  const ref = useRef(initial);
  const [, render] = useState(0);
  const text: TypedText = {
    get: () => ref.current,
    set: (value) => {
      ref.current = value;
      render((n) => n + 1);
    },
  };
  useKeys((input, key) => handle(input, key, text));
  return ref.current;
}

/** Plain printable input (no control keys). */
export const printable = (input: string, key: Key) =>
  !key.ctrl && !key.meta && !key.escape && !key.tab && !key.return && !key.upArrow && !key.downArrow && !key.leftArrow && !key.rightArrow && !key.backspace && !key.delete;
