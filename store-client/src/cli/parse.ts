// alga-store's command line, read against the declarations by the contract's parser: the command,
// then only its own flags and the common ones (another command's flag or an unknown one is refused,
// naming it), each value from the flag, its environment variable or its default, checked by its
// declaration. What is alga-store's own: the command anywhere on the line, two-word families, the
// TENANT_ID argument and the pairs of which exactly one flag is given.
import { parseArgs } from "node:util";
import { everyFlag, flagSynopsis, resolveFlags, scanCommandLine, type FlagOwner } from "@alga-license/contract";
import type { Command, FlagSpecs, FlagValues } from "./command.js";
import { COMMON_FLAGS, TENANT_FLAG } from "./common-flags.js";
import { SettingError, UsageError } from "./inputs.js";

export { flagSynopsis };

export type CommandLine =
  /** --help: the overview, or one command's help */
  | { kind: "help"; command?: Command }
  | { kind: "run"; command: Command; flags: FlagValues<FlagSpecs>; common: FlagValues<typeof COMMON_FLAGS>; tenantId: string; argument: string };

/** A usage error of one command: its help follows the message. */
export class CommandUsageError extends UsageError {
  constructor(
    message: string,
    readonly command: Command,
  ) {
    super(message);
  }
}

/** The flags a command accepts: its own, --tenant when it takes a TENANT_ID, and the common ones. */
export function flagsOf(command: Command): FlagSpecs {
  return { ...command.flags, ...(command.tenant ? { tenant: TENANT_FLAG } : {}), ...COMMON_FLAGS };
}

const owner = (c: Command): FlagOwner => ({ name: c.name, flags: flagsOf(c) });

const given = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Each declared flag's value (the contract's resolveFlags); the first problem stops the command. */
function resolve<F extends FlagSpecs>(specs: F, values: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): FlagValues<F> {
  const r = resolveFlags(specs, values, env);
  if (r.problems.length) throw r.problems[0]!;
  return r.values;
}

export function parseCommandLine(argv: string[], commands: readonly Command[], env: NodeJS.ProcessEnv): CommandLine {
  // first the command, wherever the flags stand (they may come before it)
  let first;
  try {
    first = parseArgs({ args: argv, options: everyFlag(commands.map(owner)), strict: false, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  // a command of a family has two words ("mail dead"): the longest name that matches
  const two = first.positionals.slice(0, 2).join(" ");
  const command = commands.find((c) => c.name === two && c.name.includes(" ")) ?? commands.find((c) => c.name === first.positionals[0]);
  const family = !command && commands.some((c) => c.name.startsWith(`${first.positionals[0]} `));
  const name = family ? two : first.positionals[0];
  if (first.values.help === true) return { kind: "help", command };
  if (!name) throw new UsageError("missing command");
  if (!command && family) {
    const words = commands.filter((c) => c.name.startsWith(`${first.positionals[0]} `)).map((c) => c.name.split(" ")[1]);
    throw new UsageError(`${first.positionals[1] ? `unknown command ${name}` : `missing command after ${name}`}: ${first.positionals[0]} ${words.join(" | ")}`);
  }
  if (!command) throw new UsageError(`unknown command ${name}`);

  try {
    const parsed = scanCommandLine(argv, owner(command), commands.map(owner));
    const args = parsed.positionals.slice(command.name.split(" ").length);
    const values = parsed.given;
    const argument = command.tenant ? args.shift() : undefined;
    const other = command.argument ? args.shift() : undefined;
    const takes = command.tenant ? "one TENANT_ID" : command.argument ? `one ${command.argument.value}` : "no argument";
    if (args.length) throw new UsageError(`unexpected argument "${args[0]}": ${command.name} takes ${takes}`);
    const tenantId = argument ?? given(values.tenant);
    if (command.tenant && !tenantId) throw new UsageError("TENANT_ID is required");
    if (command.argument && !other) throw new UsageError(`${command.argument.value} is required`);
    const flags = resolve(command.flags, values, env);
    for (const [a, b] of command.exactlyOne ?? []) {
      if (!flags[a] === !flags[b]) throw new UsageError(`pass exactly one of ${flagSynopsis(a, command.flags[a]!)} or ${flagSynopsis(b, command.flags[b]!)}`);
    }
    const common = resolve(COMMON_FLAGS, values, env);
    return { kind: "run", command, flags, common, tenantId: tenantId ?? "", argument: other ?? "" };
  } catch (err) {
    // a wrong setting says what to fix on its own; a wrong use of the command shows the command's help
    if (err instanceof UsageError && !(err instanceof SettingError)) throw new CommandUsageError(err.message, command);
    throw err;
  }
}
