#!/usr/bin/env node
// alga-store: the sales/support CLI on the store client. ALGA_LICENSE_URL and ALGA_LICENSE_API_KEY
// configure it; --json prints machine-readable results; exit codes per kind of failure (exit-codes.ts).
// Each command is declared in its own file under commands/, with its flags; `--help` is generated.
import { COMMANDS } from "./commands/index.js";
import { runCli } from "./run.js";

// runCli answers every failure with an exit code (it never rejects)
process.exitCode = await runCli(process.argv.slice(2), COMMANDS);
