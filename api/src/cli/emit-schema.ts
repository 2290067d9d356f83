// npm run schema:emit  — writes the SDL printed from the Pothos schema to api/schema.graphql
// npm run schema:check — exits 1 when the checked-in api/schema.graphql differs from the code
//                        (`-- --file PATH` checks another copy)
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { printSdl } from "../graphql/schema.js";

const SDL_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../schema.graphql");

const sdl = `${printSdl()}\n`;
const fileArg = process.argv.indexOf("--file");
const file = fileArg > 0 ? path.resolve(process.argv[fileArg + 1]!) : SDL_FILE;
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(file, "utf8");
  } catch {
    /* missing counts as drift */
  }
  if (current !== sdl) {
    console.error(`${file} is out of date with the Pothos schema: run \`npm run schema:emit\` and commit it.`);
    process.exit(1);
  }
  console.log("schema.graphql matches the code");
} else {
  writeFileSync(file, sdl);
  console.log(`wrote ${file}`);
}
