// alga-store's help, generated from the command declarations by the contract's pieces (contract/src/cli):
// an overview of every command under its group, and each command's own help with every flag it takes.
import { exitCodeLines, flagSynopsis, flagTable, wrap } from "@alga-license/contract";
import type { Command } from "./command.js";
import { COMMON_FLAGS, TENANT_FLAG } from "./common-flags.js";
import { STORE_EXITS } from "./exit-codes.js";

const GROUP_HEADINGS: Record<Command["group"], string> = {
  tenants: "commands:",
  entitlements: "entitlements (support/admin key to read, admin key to change; --reason TEXT is kept in the audit):",
  mail: "mail (admin key):",
};

/** The words of a command line after its name: TENANT_ID, required flags, [optional ones], (one | other). */
export function synopsis(command: Command): string[] {
  const words: string[] = command.tenant ? ["TENANT_ID"] : command.argument ? [command.argument.value] : [];
  const pairs = command.exactlyOne ?? [];
  for (const [name, spec] of Object.entries(command.flags)) {
    const pair = pairs.find(([a, b]) => a === name || b === name);
    if (pair) {
      if (pair[0] === name) words.push(`(${flagSynopsis(pair[0], command.flags[pair[0]]!)} | ${flagSynopsis(pair[1], command.flags[pair[1]]!)})`);
      continue;
    }
    words.push(spec.type === "string" && spec.required ? flagSynopsis(name, spec) : `[${flagSynopsis(name, spec)}]`);
  }
  return words;
}

const exitCodes = () => exitCodeLines(STORE_EXITS);

/** `alga-store --help`: every command with its synopsis and what it does, the common options, the exit codes. */
export function overview(commands: readonly Command[]): string {
  const nameWidth = Math.max(...commands.map((c) => c.name.length));
  const out = ["usage: alga-store <command> [options]   (alga-store <command> --help: the command's options)"];
  for (const group of Object.keys(GROUP_HEADINGS) as Command["group"][]) {
    out.push("", GROUP_HEADINGS[group]);
    for (const c of commands.filter((x) => x.group === group)) {
      const lead = `  ${c.name.padEnd(nameWidth)}  `;
      out.push(...wrap(lead, synopsis(c)), ...wrap(" ".repeat(lead.length), c.summary.split(" ")));
    }
  }
  out.push("", "options:", ...flagTable(COMMON_FLAGS), "", ...exitCodes());
  return out.join("\n");
}

/** `alga-store <command> --help`: its synopsis, what it does, each flag it takes, the common options. */
export function commandHelp(command: Command): string {
  const out = [...wrap(`usage: alga-store ${command.name} `, [...synopsis(command), "[options]"]), "", command.summary];
  const own = command.tenant
    ? flagTable(command.flags, [["TENANT_ID", `the tenant's id (or ${flagSynopsis("tenant", TENANT_FLAG)})`]])
    : command.argument
      ? flagTable(command.flags, [[command.argument.value, command.argument.help]])
      : Object.keys(command.flags).length
        ? flagTable(command.flags)
        : [];
  if (own.length) out.push("", ...own);
  out.push("", "options:", ...flagTable(COMMON_FLAGS), "", ...exitCodes());
  return out.join("\n");
}
