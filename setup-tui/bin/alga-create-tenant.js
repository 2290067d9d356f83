#!/usr/bin/env node
// alga-create-tenant: the compiled entry point (npm run build compiles setup-tui/src to setup-tui/dist).
await import("../dist/cli/create-tenant.js");
