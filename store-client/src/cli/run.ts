// One alga-store invocation: read the command line against the declarations, run the command, print
// its result or its failure, and answer the exit code (exit-codes.ts).
import { AlgaLicenseError } from "@alga-license/contract";
import { createStoreClient } from "../client.js";
import type { Command } from "./command.js";
import { EXIT, exitCodeFor } from "./exit-codes.js";
import { SettingError, UsageError } from "./inputs.js";
import { CommandUsageError, parseCommandLine } from "./parse.js";
import { commandHelp, overview } from "./usage.js";

export async function runCli(argv: string[], commands: readonly Command[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // known before the command line is read, so even its usage errors come as JSON
  let json = argv.includes("--json");
  let keyGiven = false;
  try {
    const line = parseCommandLine(argv, commands, env);
    if (line.kind === "help") {
      console.log(line.command ? commandHelp(line.command) : overview(commands));
      return EXIT.OK;
    }
    const { common } = line;
    json = common.json;
    const apiKey = common["api-key-file"];
    keyGiven = Boolean(apiKey ?? env.ALGA_LICENSE_API_KEY?.trim());
    const client = createStoreClient({ baseUrl: common.url, apiKey, timeoutMs: common.timeout });
    const print = (result: unknown, human: string) => console.log(json ? JSON.stringify(result, null, 2) : human);
    const tenantNotFound = () => {
      if (json) console.log(JSON.stringify({ error: { code: "TENANT_NOT_FOUND", message: "no tenant has this id" } }));
      else console.error("no tenant has this id");
      return EXIT.NOT_FOUND;
    };
    return await line.command.run({ flags: line.flags, tenantId: line.tenantId, argument: line.argument, client, print, tenantNotFound });
  } catch (err) {
    if (err instanceof AlgaLicenseError) {
      printServiceError(err, json, keyGiven);
      return exitCodeFor(err.code);
    }
    const usage = err instanceof UsageError;
    const message = err instanceof Error ? err.message : String(err);
    if (json) console.log(JSON.stringify({ error: { code: usage ? "USAGE" : "FAILED", message } }));
    else if (usage && !(err instanceof SettingError))
      console.error(`${message}\n\n${err instanceof CommandUsageError ? commandHelp(err.command) : overview(commands)}`);
    else console.error(`error: ${message}`);
    return usage ? EXIT.USAGE : EXIT.FAILED;
  }
}

function printServiceError(err: AlgaLicenseError, json: boolean, keyGiven: boolean) {
  if (json) {
    console.log(JSON.stringify({ error: { ...err.details, message: err.message, attempts: err.attempts } }, null, 2));
    return;
  }
  console.error(`error ${err.code}: ${err.message}`);
  if (err.details.code === "AMBIGUOUS_TENANT") {
    console.error("  candidates (use --tenant ID):");
    const rows = err.details.tenants.length ? err.details.tenants : err.details.tenantIds.map((id) => ({ id, companyName: "?", createdAt: undefined }));
    for (const c of rows) console.error(`    ${c.id}  ${c.companyName}${c.createdAt ? `  (registered ${c.createdAt.slice(0, 10)})` : ""}`);
  }
  if (err.code === "UNAUTHENTICATED") {
    console.error(
      keyGiven
        ? "  check ALGA_LICENSE_API_KEY (or --api-key-file): that key is unknown or revoked"
        : "  no API key: set ALGA_LICENSE_API_KEY or pass --api-key-file FILE",
    );
  }
}
