// One keypress subscription for the whole wizard (after Gemini CLI's useKeypress). Ink hands over
// terminal input in chunks: a run of plain characters arrives as one string, so a burst of eight
// Backspaces (a held key, a batching terminal, tmux send-keys) or "code⏎" would otherwise reach a
// screen as a single unrecognised "key". Here every chunk is split into keys, delivered one by one and
// in order to the screen on display. A screen change holds the rest of a burst until the next screen
// has rendered, so keys typed ahead go to the screen they were meant for.
import { useApp, useStdin } from "ink";
import { createContext, useContext, useEffect, useLayoutEffect, useRef, type ReactNode } from "react";

export type KeyName =
  | "text"
  | "return"
  | "backspace"
  | "delete"
  | "escape"
  | "tab"
  | "up"
  | "down"
  | "left"
  | "right"
  /** Ctrl+U: clear the field */
  | "clear"
  | "ctrl-c"
  | "other";

export interface Keypress {
  name: KeyName;
  /** printable text for "text" (a paste arrives as one text key), the letter for other Ctrl keys */
  text: string;
}

export type KeyHandler = (key: Keypress) => void;

const SEQUENCES: Record<string, KeyName> = {
  "\u001b": "escape",
  "\u001b\u001b": "escape",
  "\u001b[A": "up",
  "\u001bOA": "up",
  "\u001b[B": "down",
  "\u001bOB": "down",
  "\u001b[C": "right",
  "\u001bOC": "right",
  "\u001b[D": "left",
  "\u001bOD": "left",
  "\u001b[3~": "delete",
  "\u001b\u007f": "backspace",
  "\u001b\r": "return",
};

/** Splits one chunk of terminal input into keys, in order; runs of printable text stay together. */
export function parseKeys(chunk: string): Keypress[] {
  if (chunk.startsWith("\u001b")) return [{ name: SEQUENCES[chunk] ?? "other", text: "" }];
  const keys: Keypress[] = [];
  let text = "";
  const flush = () => {
    if (text) keys.push({ name: "text", text });
    text = "";
  };
  for (const ch of chunk) {
    const code = ch.codePointAt(0)!;
    let name: KeyName | undefined;
    if (ch === "\r" || ch === "\n") name = "return";
    else if (ch === "\u007f" || ch === "\b") name = "backspace";
    else if (ch === "\t") name = "tab";
    else if (ch === "\u0015") name = "clear";
    else if (ch === "\u0003") name = "ctrl-c";
    else if (code < 0x20) name = "other";
    if (name) {
      flush();
      keys.push({ name, text: name === "other" ? String.fromCharCode(code + 96) : "" });
    } else text += ch;
  }
  flush();
  return keys;
}

interface Router {
  current: KeyHandler | null;
  queue: Keypress[];
  held: boolean;
  drain(): void;
}

const RouterContext = createContext<Router | null>(null);

export function KeypressProvider({ children }: { children: ReactNode }) {
  const { internal_eventEmitter: events, setRawMode, isRawModeSupported } = useStdin();
  const { exit } = useApp();
  const router = useRef<Router>({
    current: null,
    queue: [],
    held: false,
    drain() {
      while (!this.held && this.queue.length) {
        const key = this.queue.shift()!;
        if (key.name === "ctrl-c") {
          this.queue.length = 0;
          exit();
          return;
        }
        this.current?.(key);
      }
    },
  }).current;

  useEffect(() => {
    if (isRawModeSupported) setRawMode(true);
    const onInput = (chunk: string) => {
      router.queue.push(...parseKeys(chunk));
      router.drain();
    };
    events.on("input", onInput);
    return () => {
      events.removeListener("input", onInput);
      if (isRawModeSupported) setRawMode(false);
    };
  }, [events, setRawMode, isRawModeSupported, router]);

  return <RouterContext.Provider value={router}>{children}</RouterContext.Provider>;
}

function useRouter(): Router {
  const router = useContext(RouterContext);
  if (!router) throw new Error("keypress hooks outside <KeypressProvider>");
  return router;
}

/**
 * The screen's key handler. Registered while rendering, so the newest screen receives the next key;
 * after each commit the keys held back by a screen change are delivered.
 */
export function useKeypress(handler: KeyHandler): void {
  const router = useRouter();
  router.current = handler;
  useLayoutEffect(() => {
    if (router.held) {
      router.held = false;
      router.drain();
    }
  });
}

/** Holds the rest of the current burst until the next screen has rendered (call when navigating). */
export function useHoldKeys(): () => void {
  const router = useRouter();
  return () => {
    router.held = true;
  };
}
