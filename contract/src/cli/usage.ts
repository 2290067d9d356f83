// Help generated from the declarations: a command's synopsis (required flags bare, optional ones in
// brackets), a table of every flag and variable with its default, and the exit codes it can return.
import type { ExitCodes } from "./exits.js";
import { isFlag, type FlagSpec, type FlagSpecs } from "./flags.js";

/** No help line is wider than this. */
export const HELP_WIDTH = 100;

/** A declared command: the words that run it, what it does, its flags and its exit codes. */
export interface CommandSpec<F extends FlagSpecs = FlagSpecs> {
  /** the command line's words, e.g. "alga-setup offline-request" */
  name: string;
  /** one line: what it does */
  summary: string;
  /** more about it: a paragraph, wrapped in the help */
  description?: string;
  flags: F;
  exits: ExitCodes;
}

/** `--name VALUE` (or `env NAME` for an environment-only setting) as the usage writes it */
export const flagSynopsis = (name: string, spec: FlagSpec) =>
  spec.type === "boolean" ? `--${name}` : isFlag(spec) ? `--${name} ${spec.value}` : `env ${spec.env}`;

/** The synopsis of some flags: required ones bare, the others [bracketed]; variables (and --help) are not on the command line. */
export const synopsisWords = (specs: FlagSpecs): string[] =>
  Object.entries(specs)
    .filter(([name, spec]) => isFlag(spec) && name !== "help")
    .map(([name, spec]) => (spec.type === "string" && spec.required ? flagSynopsis(name, spec) : `[${flagSynopsis(name, spec)}]`));

/** Words joined into lines no wider than HELP_WIDTH, the first after `lead`, the others under it. */
export function wrap(lead: string, words: string[]): string[] {
  const indent = " ".repeat(lead.length);
  const lines: string[] = [];
  let line = lead;
  words.forEach((w, i) => {
    if (i > 0 && line.length + 1 + w.length > HELP_WIDTH) {
      lines.push(line);
      line = indent + w;
    } else line += (i > 0 ? " " : "") + w;
  });
  lines.push(line);
  return lines;
}

/** A flag's help with where its value comes from when it is not given. */
export function flagHelp(spec: FlagSpec): string {
  const notes: string[] = [];
  if (spec.type === "string") {
    if (spec.env && isFlag(spec)) notes.push(`default: $${spec.env}${spec.default !== undefined ? `, else ${spec.default}` : ""}`);
    else if (spec.default !== undefined) notes.push(`default ${spec.default}`);
    else if (spec.required) notes.push("required");
  }
  return `${spec.help}${notes.length ? ` (${notes.join(", ")})` : ""}`;
}

/** One row per flag (and variable): its synopsis, then its help, in aligned columns. */
export function flagTable(specs: FlagSpecs, extra: [string, string][] = []): string[] {
  const rows: [string, string][] = [
    ...extra,
    ...Object.entries(specs).map(([name, spec]): [string, string] => [
      flagSynopsis(name, spec) + (spec.type === "boolean" && spec.short ? `, -${spec.short}` : ""),
      flagHelp(spec),
    ]),
  ];
  if (!rows.length) return [];
  const left = Math.max(...rows.map(([l]) => l.length));
  // a long help continues under its own column
  return rows.flatMap(([l, r]) => wrap(`  ${l.padEnd(left)}  `, r.split(" ")));
}

/** "exit codes: 0 ok, 1 failed, ..." */
export function exitCodeLines(exits: ExitCodes): string[] {
  const lead = "exit codes: ";
  // each code with its meaning on one line, unless the meaning alone is too long for one
  const entries = exits.map((e, i) => `${e.code} ${e.meaning}${i < exits.length - 1 ? "," : ""}`);
  return wrap(
    lead,
    entries.flatMap((e) => {
      if (lead.length + e.length <= HELP_WIDTH) return [e];
      const [code, first, ...rest] = e.split(" ");
      return [`${code} ${first}`, ...rest];
    }),
  );
}

/** `<command> --help`: its synopsis, what it does, every flag and variable it reads, its exit codes. */
export function commandHelp(c: CommandSpec): string {
  const out = [...wrap(`usage: ${c.name} `, synopsisWords(c.flags)), "", ...wrap("", c.summary.split(" "))];
  if (c.description) out.push(...wrap("", c.description.split(" ")));
  const table = flagTable(c.flags);
  if (table.length) out.push("", ...table);
  out.push("", ...exitCodeLines(c.exits));
  return out.join("\n");
}

/**
 * A program of several commands: each one's synopsis line and summary, then the help of the one that
 * runs without a command word (when there is one).
 */
export function programHelp(name: string, commands: readonly CommandSpec[], main?: CommandSpec): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const out = [
    `usage: ${name} <command> [flags]`,
    // the program runs without a command word too: its own help follows the list
    ...(main ? [`       ${name} [flags]`] : []),
    "",
    `${commands.length} commands (${name} <command> --help: the command's flags, variables and exit codes):`,
    "",
    ...commands.flatMap((c) => wrap(`  ${c.name.padEnd(width)}  `, c.summary.split(" "))),
  ];
  if (main) out.push("", commandHelp(main));
  return out.join("\n");
}
