#!/usr/bin/env node
// `npm run dev`: the API from its TypeScript sources (through tsx), restarted when a file under api/src
// changes. A watcher of its own rather than `tsx watch`: the API runs in a process group of its own and
// gets each stop request exactly once, from here. Under `tsx watch`, a SIGTERM to npm's process group
// reached the API twice (directly, and relayed: "second signal", no drain), and tsx answered npm's relay
// of the same signal with SIGKILL — the embedded PostgreSQL was left running.
import { spawn } from "node:child_process";
import { watch } from "node:fs";
import { constants } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WATCHED = path.join(root, "api/src");
/** npm relays the signal its process group got: within this window a repeat is the same request */
const SAME_REQUEST_MS = 1000;

let child;
let restartPending = false;
let stopping = false;
let lastSignalAt = 0;

function start() {
  // detached: a terminal's Ctrl+C or a signal to npm's group reaches this process, which relays it once
  child = spawn(process.execPath, ["--import", "tsx", path.join(root, "api/src/main.ts")], { cwd: root, stdio: "inherit", detached: true });
  child.on("exit", (code, signal) => {
    child = undefined;
    if (stopping) process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
    if (restartPending) {
      restartPending = false;
      start();
    } else {
      console.error(`dev: the API exited (${code ?? signal}); it restarts when a file under api/src changes`);
    }
  });
}

let debounce;
watch(WATCHED, { recursive: true }, () => {
  clearTimeout(debounce);
  debounce = setTimeout(() => {
    if (stopping) return;
    if (!child) return start();
    if (restartPending) return;
    console.error("dev: api/src changed: restarting (the API drains first)");
    restartPending = true;
    child.kill("SIGTERM");
  }, 200);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    const now = Date.now();
    if (stopping && now - lastSignalAt < SAME_REQUEST_MS) return;
    lastSignalAt = now;
    stopping = true;
    if (!child) process.exit(0);
    child.kill(signal); // a later, separate signal is relayed too: the API then exits without draining
  });
}
process.on("exit", () => child?.kill("SIGTERM"));

start();
