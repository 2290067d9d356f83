#!/usr/bin/env node
// alga-setup: runs the TypeScript entry point through tsx (the appliance image ships the sources).
import { register } from "tsx/esm/api";

register();
await import("../src/cli/setup.ts");
