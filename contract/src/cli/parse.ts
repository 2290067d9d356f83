// A command line read strictly against its declarations: only the declared flags (an unknown one, or
// one of a sibling command, is refused naming it and who takes it), then each value from the flag, its
// environment variable or its default, checked by its declaration. Every bad value is collected, so
// one run can name them all.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError, SettingError } from "./errors.js";
import { isFlag, type FlagSpec, type FlagSpecs, type FlagValues } from "./flags.js";

/** How a program words its problems (alga-store and the appliance tools each keep their own words). */
export interface Wording {
  /**
   * The name a problem gives a setting. Default: where the value came from (`--flag`, or the variable
   * when it came from there or has no flag).
   */
  label?: (flag: string | undefined, env: string | undefined, from: "flag" | "env") => string;
  /** A label and what is wrong with it as one message (default: "<label> <text>"). */
  join?: (label: string, text: string) => string;
  /** An option no command of the program declares (default: "unknown option --x"). */
  unknownFlag?: (rawName: string) => string;
}

/** A command as the parser sees it: its name in messages, and the flags it accepts. */
export interface FlagOwner {
  name: string;
  flags: FlagSpecs;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

const defaultLabel = (flag: string | undefined, env: string | undefined, from: "flag" | "env") => (from === "env" || !flag ? env! : flag);
const defaultJoin = (label: string, text: string) => `${label} ${text}`;

function labelOf(name: string, spec: FlagSpec, from: "flag" | "env", w: Wording): string {
  const flag = isFlag(spec) ? `--${name}` : undefined;
  return (w.label ?? defaultLabel)(flag, spec.type === "string" ? spec.env : undefined, from);
}

/** The parseArgs options for the command-line flags of some declarations (environment-only ones are not flags). */
export const asOptions = (specs: FlagSpecs): Options =>
  Object.fromEntries(
    Object.entries(specs)
      .filter(([, s]) => isFlag(s))
      .map(([name, s]) => [name, s.type === "boolean" && s.short ? { type: s.type, short: s.short } : { type: s.type }]),
  );

/** Every flag of several commands, to read a command line before its command is known; a name has one type everywhere. */
export function everyFlag(owners: readonly FlagOwner[]): Options {
  const all: Options = {};
  for (const c of owners) {
    for (const [name, option] of Object.entries(asOptions(c.flags))) {
      if (all[name] && all[name].type !== option.type)
        throw new Error(`--${name} is a ${all[name].type} flag in one command and a ${option.type} flag in ${c.name}`);
      all[name] = option;
    }
  }
  return all;
}

/** The words of a command line that are neither flags nor their values, read against every command's flags (to find the command). */
export const wordsOf = (argv: string[], owners: readonly FlagOwner[]): string[] =>
  parseArgs({ args: argv, options: everyFlag(owners), strict: false, allowPositionals: true }).positionals;

/** "a", "a or b", "a, b or c" (and: "a, b and c") */
export const listed = (names: readonly string[], and = "or") =>
  names.length > 1 ? `${names.slice(0, -1).join(", ")} ${and} ${names.at(-1)}` : (names[0] ?? "");

/** "a takes it", "a and b take it", "a, b and c take it" */
const takers = (names: string[]) => `${listed(names, "and")} ${names.length > 1 ? "take" : "takes"} it`;

/** node's parseArgs message without its advice about positionals (which these commands rarely take). */
const nodeMessage = (err: unknown) => (err as Error).message.replace(/\. To specify a positional argument.*$/s, "");

export interface ScannedLine {
  /** the flags as given (strings untrimmed, booleans true) */
  given: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Reads argv against `command`'s flags, throwing a UsageError for the first flag it does not take: one
 * of `others` ("--x is not an option of a (only b takes it)"), one nobody takes, or a value missing or
 * given to a flag that takes none.
 */
export function scanCommandLine(argv: string[], command: FlagOwner, others: readonly FlagOwner[] = [], w: Wording = {}): ScannedLine {
  let loose;
  try {
    loose = parseArgs({ args: argv, options: everyFlag([command, ...others]), strict: false, allowPositionals: true, tokens: true });
  } catch (err) {
    throw new UsageError(nodeMessage(err));
  }
  for (const token of loose.tokens) {
    if (token.kind !== "option" || (Object.hasOwn(command.flags, token.name) && isFlag(command.flags[token.name]!))) continue;
    const owners = others.filter((c) => Object.hasOwn(asOptions(c.flags), token.name)).map((c) => c.name);
    throw new UsageError(
      owners.length
        ? `${token.rawName} is not an option of ${command.name} (only ${takers(owners)})`
        : (w.unknownFlag ?? ((raw) => `unknown option ${raw}`))(token.rawName),
    );
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options: asOptions(command.flags), strict: true, allowPositionals: true });
    return { given: values as ScannedLine["given"], positionals };
  } catch (err) {
    throw new UsageError(nodeMessage(err));
  }
}

export interface Resolved<F extends FlagSpecs> {
  values: FlagValues<F>;
  /** one per setting whose value is missing or wrong, in the order of the declarations */
  problems: UsageError[];
  /** the settings that have a problem (their value is undefined) */
  wrong: Set<keyof F & string>;
}

/**
 * Each declared setting's value: the flag, else its environment variable (trimmed; empty is unset),
 * else its default; then checked by its `parse`. A flag given empty, a missing required setting or a
 * value its check refuses is a problem (a SettingError where a variable could have given it).
 */
export function resolveFlags<F extends FlagSpecs>(specs: F, given: ScannedLine["given"], env: NodeJS.ProcessEnv, w: Wording = {}): Resolved<F> {
  const join = w.join ?? defaultJoin;
  const out: Record<string, unknown> = {};
  const problems: UsageError[] = [];
  const wrong = new Set<string>();
  const fail = (name: string, err: UsageError) => {
    problems.push(err);
    wrong.add(name);
    out[name] = undefined;
  };
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.type === "boolean") {
      out[name] = given[name] === true;
      continue;
    }
    const fromFlag = isFlag(spec) && typeof given[name] === "string" ? (given[name] as string).trim() : undefined;
    if (fromFlag === "") {
      // the flag itself was given wrong: its variable does not come into it
      fail(name, new UsageError(join((w.label ?? defaultLabel)(`--${name}`, undefined, "flag"), "is empty")));
      continue;
    }
    const fromEnv = fromFlag === undefined && spec.env ? env[spec.env]?.trim() || undefined : undefined;
    const value = fromFlag ?? fromEnv ?? spec.default;
    const label = labelOf(name, spec, fromEnv !== undefined ? "env" : "flag", w);
    if (value === undefined) {
      if (spec.required) {
        const message = spec.missing ?? join(label, "is required");
        fail(name, spec.env ? new SettingError(message) : new UsageError(message));
      } else out[name] = undefined;
      continue;
    }
    try {
      out[name] = spec.parse(value, label);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      fail(name, err);
    }
  }
  return { values: out as FlagValues<F>, problems, wrong: wrong as Set<keyof F & string> };
}
