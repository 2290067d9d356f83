// setup-tui/README.md's command reference, generated from the declarations (commands.ts): each
// command's --help as the command prints it. `npm run docs:commands` writes it into the README and
// tests/unit/appliance-commands.test.ts fails while the README's copy differs.
import { commandHelp } from "@alga-license/contract";
import { PROGRAMS } from "./commands.js";

export const REFERENCE_START = "<!-- command reference: generated from setup-tui/src/commands.ts by npm run docs:commands -->";
export const REFERENCE_END = "<!-- end of the command reference -->";

/** The reference as markdown: a heading and the help text of every command of every bin. */
export function commandReference(): string {
  const sections = Object.values(PROGRAMS)
    .flat()
    .map((c) => [`### \`${c.name}\``, "", "```text", commandHelp(c), "```"].join("\n"));
  return [REFERENCE_START, "", ...sections.flatMap((s) => [s, ""]), REFERENCE_END].join("\n");
}

/** The README with its reference replaced by the generated one (it must have the markers). */
export function withReference(readme: string): string {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start < 0 || end < start) throw new Error(`setup-tui/README.md has no "${REFERENCE_START}" ... "${REFERENCE_END}" section`);
  return readme.slice(0, start) + commandReference() + readme.slice(end + REFERENCE_END.length);
}
