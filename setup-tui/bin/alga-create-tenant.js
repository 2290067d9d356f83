#!/usr/bin/env node
// alga-create-tenant: runs the TypeScript entry point through tsx (the appliance image ships the sources).
import { register } from "tsx/esm/api";

register();
await import("../src/cli/create-tenant.ts");
