// The exit codes a command can return, declared with the command: each number (from the tool's exit
// table, e.g. SETUP_EXIT for the failure table's SetupExit names) with what it means. The help lists
// them and the usage error answers the one named USAGE.

export interface ExitCode {
  /** the tool's name for it (OK, USAGE, NOT_VERIFIED, ...) */
  name: string;
  code: number;
  meaning: string;
}

export type ExitCodes = readonly ExitCode[];

/**
 * A command's exit codes: the numbers from the tool's table, the words from the command (only the
 * names it can return). Listed by number.
 */
export function exitCodes<N extends string>(table: Readonly<Record<N, number>>, meanings: Partial<Record<N, string>>): ExitCodes {
  return (Object.entries(meanings) as [N, string][]).map(([name, meaning]) => ({ name, code: table[name], meaning })).sort((a, b) => a.code - b.code);
}

/** The code a command answers a usage error with (its USAGE entry). */
export function usageExit(exits: ExitCodes): number {
  const usage = exits.find((e) => e.name === "USAGE");
  if (!usage) throw new Error("a command's exit codes must declare USAGE");
  return usage.code;
}
