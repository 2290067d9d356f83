// One Ink input subscription for the whole wizard, routing keys to the screen on display. Each screen
// registers its handler while rendering (not in an effect), so a key that arrives right after a
// screen change — a paste, tmux send-keys — reaches the new screen instead of being dropped.
import { useInput, type Key } from "ink";
import { createContext, useContext, useRef, type ReactNode } from "react";

export type KeyHandler = (input: string, key: Key) => void;

const Router = createContext<{ current: KeyHandler | null } | null>(null);

export function KeyRouter({ children }: { children: ReactNode }) {
  const current = useRef<KeyHandler | null>(null);
  useInput((input, key) => current.current?.(input, key));
  return <Router.Provider value={current}>{children}</Router.Provider>;
}

/** The screen's key handler; the last one registered during a render wins. */
export function useKeys(handler: KeyHandler): void {
  const router = useContext(Router);
  if (!router) throw new Error("useKeys outside <KeyRouter>");
  router.current = handler;
}
