#!/usr/bin/env node
// alga-license: the compiled entry point (npm run build compiles setup-tui/src to setup-tui/dist).
await import("../dist/cli/license.js");
