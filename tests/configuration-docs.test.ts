// Every setting api/src/config.ts reads is documented in the Configuration table of docs/OPERATIONS.md (the
// operators' reference), and nothing the table lists is unknown to config.ts. The same for the appliance tools:
// setup-tui/src/config.ts (with the settings it declares) and the Settings table of setup-tui/README.md.
import { readFileSync } from "node:fs";

it("docs/OPERATIONS.md documents exactly the variables api/src/config.ts reads", () => {
  const source = readFileSync("api/src/config.ts", "utf8");
  const read = new Set([...source.matchAll(/r\.(?:int|bool|string|oneOf|url|raw)(?:<[^>]+>)?\("([A-Z0-9_]+)"/g)].map((m) => m[1]!));
  const doc = readFileSync("docs/OPERATIONS.md", "utf8");
  const start = doc.indexOf("\n## Configuration\n");
  expect(start).toBeGreaterThan(0);
  const end = doc.indexOf("\n## ", start + 1);
  const table = doc.slice(start, end > 0 ? end : undefined);
  const documented = new Set(
    [...table.matchAll(/^\| (`[A-Z0-9_]+`(?: \/ `[A-Z0-9_]+`)*) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([A-Z0-9_]+)`/g)].map((x) => x[1]!)),
  );
  expect(read.size).toBeGreaterThan(40);
  expect([...read].filter((v) => !documented.has(v)).sort()).toEqual([]);
  expect([...documented].filter((v) => !read.has(v)).sort()).toEqual([]);
});

it("setup-tui/README.md documents exactly the variables setup-tui/src/config.ts reads", () => {
  // config.ts reads the settings declared in settings.ts and commands.ts
  const source = ["config.ts", "settings.ts", "commands.ts"].map((f) => readFileSync(`setup-tui/src/${f}`, "utf8")).join("\n");
  const read = new Set([...source.matchAll(/"((?:ALGA|APPLIANCE)_[A-Z0-9_]+)"/g)].map((m) => m[1]!));
  const doc = readFileSync("setup-tui/README.md", "utf8");
  const start = doc.indexOf("\n## Settings\n");
  expect(start).toBeGreaterThan(0);
  const end = doc.indexOf("\n## ", start + 1);
  const table = doc.slice(start, end > 0 ? end : undefined);
  // the first cell of each row: `NAME` (`--flag`), or several names
  const documented = new Set(
    table
      .split("\n")
      .filter((l) => l.startsWith("| `"))
      .flatMap((l) => [...l.split("|")[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)),
  );
  expect(read.size).toBeGreaterThan(15);
  expect([...read].filter((v) => !documented.has(v)).sort()).toEqual([]);
  // every ALGA_ setting the table names is one the tools read (the seed names of create-tenant are read elsewhere)
  expect([...documented].filter((v) => v.startsWith("ALGA_") && !read.has(v)).sort()).toEqual([]);
});
