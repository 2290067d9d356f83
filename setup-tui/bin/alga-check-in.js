#!/usr/bin/env node
// alga-check-in: the compiled entry point (npm run build compiles setup-tui/src to setup-tui/dist).
await import("../dist/cli/check-in.js");
