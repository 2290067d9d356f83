#!/usr/bin/env node
// `npm run build` (also run by `npm ci` through postinstall): generates what must be generated and
// compiles every workspace to JavaScript. Each step runs only when its inputs changed since the last
// successful run (stamps in node_modules/.cache/alga-build); tsc -b is incremental on its own.
//   node build.mjs           build what is out of date
//   node build.mjs --force   rebuild everything
//   node build.mjs --check   exit 1 when something is out of date (builds nothing)
// Without the build tools (devDependencies, e.g. after `npm ci --omit=dev`) nothing is built: as
// postinstall it skips with one line; otherwise compiled output that is there (handed over from a build,
// as the images' build stages do) is used as it is, and missing output is an error naming the tools.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(fileURLToPath(import.meta.url));
const stampDir = path.join(root, "node_modules/.cache/alga-build");
const force = process.argv.includes("--force");
const checkOnly = process.argv.includes("--check");
const quiet = process.argv.includes("--quiet");

/** Files under the given paths (folders recursively), skipping generated output. */
function files(paths) {
  const out = [];
  const walk = (p) => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) {
      for (const e of readdirSync(p)) if (!["node_modules", "dist", "generated"].includes(e)) walk(path.join(p, e));
    } else out.push(p);
  };
  for (const p of paths) walk(path.join(root, p));
  return out.sort();
}

function digest(inputs) {
  const h = createHash("sha256");
  for (const f of files(inputs)) h.update(f).update("\0").update(readFileSync(f)).update("\0");
  return h.digest("hex");
}

const steps = [
  {
    name: "prisma client",
    inputs: ["prisma/schema.prisma", "node_modules/prisma/package.json"],
    outputs: ["api/src/generated/prisma/client.ts"],
    tool: "prisma",
    command: ["node", "node_modules/prisma/build/index.js", "generate", "--no-hints"],
  },
  {
    name: "contract operations",
    inputs: ["api/schema.graphql", "contract/src/operations", "contract/codegen.ts"],
    outputs: ["contract/src/generated/graphql.ts"],
    tool: "@graphql-codegen/cli",
    command: ["npm", "run", "--silent", "codegen", "-w", "contract"],
  },
  {
    name: "store client operations",
    inputs: ["api/schema.graphql", "store-client/src/operations", "store-client/codegen.ts"],
    outputs: ["store-client/src/generated/graphql.ts"],
    tool: "@graphql-codegen/cli",
    command: ["npm", "run", "--silent", "codegen", "-w", "store-client"],
  },
  {
    // incremental: a no-op when nothing changed
    name: "TypeScript",
    always: true,
    outputs: ["contract/dist/index.js", "store-client/dist/index.js", "api/dist/main.js", "setup-tui/dist/cli/check-in.js"],
    tool: "typescript",
    command: [
      "node",
      "node_modules/typescript/bin/tsc",
      "-b",
      "contract/tsconfig.build.json",
      "store-client/tsconfig.build.json",
      "api/tsconfig.build.json",
      "setup-tui/tsconfig.build.json",
    ],
  },
  {
    name: "playground",
    inputs: ["api/playground", "api/package.json"],
    outputs: ["api/playground/dist/index.html"],
    tool: "vite",
    command: ["node", "node_modules/vite/bin/vite.js", "build", "--logLevel", "error", "--config", "api/playground/vite.config.ts"],
  },
];

const asPostinstall = process.env.npm_lifecycle_event === "postinstall";
/** the package that runs a step (a devDependency, except prisma) */
const installed = (tool) => existsSync(path.join(root, "node_modules", tool, "package.json"));
const missingTools = [...new Set(steps.map((s) => s.tool).filter((t) => !installed(t)))];
if (missingTools.length && !checkOnly) {
  const what = `the build tools are not installed (${missingTools.join(", ")}: devDependencies, as after npm ci --omit=dev)`;
  if (asPostinstall) {
    console.error(`build: skipped: ${what}. Run npm ci to build.`);
    process.exit(0);
  }
  // compiled output handed over from a build (as the images' build stages do) runs as it is
  const compiled = steps.flatMap((s) => (s.always || s.name === "playground" ? s.outputs : []));
  const absent = compiled.filter((o) => !existsSync(path.join(root, o)));
  if (absent.length) {
    console.error(`build: cannot build: ${what}, and ${absent.join(", ")} ${absent.length > 1 ? "are" : "is"} missing. Run npm ci to build.`);
    process.exit(1);
  }
  if (!quiet) console.error(`build: ${what}: the compiled output is used as it is`);
  process.exit(0);
}

mkdirSync(stampDir, { recursive: true });
let stale = 0;
for (const step of steps) {
  const stampFile = path.join(stampDir, `${step.name.replace(/\W+/g, "-")}.sha256`);
  const hash = step.inputs ? digest(step.inputs) : undefined;
  const outputsExist = (step.outputs ?? []).every((o) => existsSync(path.join(root, o)));
  const current = hash && outputsExist && existsSync(stampFile) && readFileSync(stampFile, "utf8") === hash;
  if (current && !force) continue;
  if (checkOnly) {
    if (!step.always) {
      console.error(`out of date: ${step.name}`);
      stale++;
    }
    continue;
  }
  if (!quiet) console.error(`build: ${step.name}`);
  const started = Date.now();
  const r = spawnSync(step.command[0], step.command.slice(1), {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1", PATH: `${path.join(root, "node_modules/.bin")}${path.delimiter}${process.env.PATH}` },
  });
  if (r.status !== 0) {
    console.error(`build: ${step.name} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
  if (hash) writeFileSync(stampFile, hash);
  if (!quiet && Date.now() - started > 2000) console.error(`build: ${step.name} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
process.exit(stale ? 1 : 0);
