// The toolchain the project states is the one the tests run on: Node 24 LTS (Node 20 passed its end of
// life on 2026-04-30), from the `node` devDependency, which npm scripts put first on PATH — for Jest
// itself, for processes spawned with process.execPath and for those spawned as `node`.
import { readFileSync } from "node:fs";
import { run } from "./helpers/processes.js";

const major = (v: string) => Number(/^v?(\d+)\./.exec(v.trim())![1]);

it("Jest, process.execPath and `node` on PATH are Node 24 or later", async () => {
  expect(major(process.version)).toBeGreaterThanOrEqual(24);
  const viaExecPath = await run(process.execPath, ["--version"]);
  expect(major(viaExecPath.stdout)).toBeGreaterThanOrEqual(24);
  const viaPath = await run("node", ["-p", "process.version"]);
  expect(major(viaPath.stdout)).toBeGreaterThanOrEqual(24);
});

it("every package.json asks for Node 24, and both images are built on node:24-bookworm-slim", () => {
  for (const file of ["package.json", "contract/package.json", "api/package.json", "setup-tui/package.json", "store-client/package.json"]) {
    expect([file, JSON.parse(readFileSync(file, "utf8")).engines]).toEqual([file, { node: ">=24" }]);
  }
  const root = JSON.parse(readFileSync("package.json", "utf8"));
  expect(root.devDependencies.node).toMatch(/^\^24\./);
  expect(root.devDependencies["@types/node"]).toMatch(/^\^24\./);
  expect(root.allowScripts.node).toBe(true); // its install script puts the binary in place
  for (const dockerfile of ["api/Dockerfile", "setup-tui/Dockerfile"]) {
    const bases = [...readFileSync(dockerfile, "utf8").matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect([dockerfile, bases]).toEqual([dockerfile, ["node:24-bookworm-slim", "node:24-bookworm-slim"]]);
  }
});
