#!/usr/bin/env node
// alga-check-in: runs the TypeScript entry point through tsx (the appliance image ships the sources).
import { register } from "tsx/esm/api";

register();
await import("../src/cli/check-in.ts");
