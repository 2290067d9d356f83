// npm run docs:commands: writes the appliance commands' reference into setup-tui/README.md, generated
// from their declarations (setup-tui/src/command-reference.ts); --check only says whether it is current.
import { readFileSync, writeFileSync } from "node:fs";
import { withReference } from "../setup-tui/src/command-reference.js";

const file = "setup-tui/README.md";
const readme = readFileSync(file, "utf8");
const current = withReference(readme);
if (process.argv.includes("--check")) {
  if (current !== readme) {
    console.error(`${file}: the command reference is not current: run npm run docs:commands`);
    process.exit(1);
  }
} else if (current !== readme) {
  writeFileSync(file, current);
  console.log(`${file}: command reference updated`);
}
