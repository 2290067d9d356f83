// alga-store's command line, read against the declarations: the command, then only its own flags and
// the common ones (another command's flag or an unknown one is refused, naming it), each value from
// the flag, its environment variable or its default, checked by its declaration.
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Command, FlagSpec, FlagSpecs, FlagValues } from "./command.js";
import { COMMON_FLAGS, TENANT_FLAG } from "./common-flags.js";
import { SettingError, UsageError } from "./inputs.js";

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

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The flags a command accepts: its own, --tenant when it takes a TENANT_ID, and the common ones. */
export function flagsOf(command: Command): FlagSpecs {
  return { ...command.flags, ...(command.tenant ? { tenant: TENANT_FLAG } : {}), ...COMMON_FLAGS };
}

const asOptions = (specs: FlagSpecs): Options =>
  Object.fromEntries(Object.entries(specs).map(([name, s]) => [name, s.type === "boolean" && s.short ? { type: s.type, short: s.short } : { type: s.type }]));

/** Every flag of every command, to find the command wherever the flags stand; a name has one type everywhere. */
function everyFlag(commands: readonly Command[]): Options {
  const all: Options = {};
  for (const c of commands) {
    for (const [name, option] of Object.entries(asOptions(flagsOf(c)))) {
      if (all[name] && all[name].type !== option.type)
        throw new Error(`alga-store: --${name} is a ${all[name].type} flag in one command and a ${option.type} flag in ${c.name}`);
      all[name] = option;
    }
  }
  return all;
}

/** `--name VALUE` as the usage writes it */
export const flagSynopsis = (name: string, spec: FlagSpec) => (spec.type === "boolean" ? `--${name}` : `--${name} ${spec.value}`);

const given = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Each declared flag's value: given, else its environment variable, else its default; then checked. */
function resolve(specs: FlagSpecs, values: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.type === "boolean") {
      out[name] = values[name] === true;
      continue;
    }
    const flag = `--${name}`;
    const raw = given(values[name]);
    const fromEnv = raw === undefined && spec.env ? given(env[spec.env]?.trim()) : undefined;
    const value = raw ?? fromEnv ?? spec.default;
    if (value === undefined) {
      // a missing setting (one an environment variable can give) is a setting error: no usage text
      if (spec.required)
        throw spec.env ? new SettingError(spec.missing ?? `pass ${flag} or set ${spec.env}`) : new UsageError(spec.missing ?? `${flag} is required`);
      out[name] = undefined;
      continue;
    }
    out[name] = spec.parse(value, fromEnv !== undefined ? spec.env! : flag);
  }
  return out;
}

export function parseCommandLine(argv: string[], commands: readonly Command[], env: NodeJS.ProcessEnv): CommandLine {
  // first the command, wherever the flags stand (they may come before it)
  let first;
  try {
    first = parseArgs({ args: argv, options: everyFlag(commands), strict: false, allowPositionals: true, tokens: true });
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

  const specs = flagsOf(command);
  try {
    for (const token of first.tokens) {
      if (token.kind !== "option" || Object.hasOwn(specs, token.name)) continue;
      const takers = commands.filter((c) => Object.hasOwn(flagsOf(c), token.name)).map((c) => c.name);
      const who = takers.length > 1 ? `${takers.slice(0, -1).join(", ")} and ${takers.at(-1)} take it` : `${takers[0]} takes it`;
      throw new UsageError(takers.length ? `${token.rawName} is not an option of ${command.name} (only ${who})` : `unknown option ${token.rawName}`);
    }
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: asOptions(specs), strict: true, allowPositionals: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const args = parsed.positionals.slice(command.name.split(" ").length);
    const values = parsed.values as Record<string, unknown>;
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
    const common = resolve(COMMON_FLAGS, values, env) as FlagValues<typeof COMMON_FLAGS>;
    return { kind: "run", command, flags: flags as FlagValues<FlagSpecs>, common, tenantId: tenantId ?? "", argument: other ?? "" };
  } catch (err) {
    // a wrong setting says what to fix on its own; a wrong use of the command shows the command's help
    if (err instanceof UsageError && !(err instanceof SettingError)) throw new CommandUsageError(err.message, command);
    throw err;
  }
}
