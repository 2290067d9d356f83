// The integrator's path in docs/GRAPHQL-HTTP.md, with the real tool: `graphql-inspector introspect`
// and `graphql-inspector diff` (@graphql-inspector/cli, run as a process) against the compiled API at
// its defaults, and with INTROSPECTION=authenticated and a key in `--header`.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createPool } from "../api/src/db/pool.js";
import { createRoleKeys } from "./helpers/api-keys.js";
import { startApiProcess, type ApiProcess } from "./helpers/api-processes.js";
import { createScratchDatabase } from "./helpers/postgres.js";
import { run } from "./helpers/processes.js";

const INSPECTOR = path.resolve("node_modules/@graphql-inspector/cli/cjs/index.js");
const COMMITTED = path.resolve("api/schema.graphql");

// graphql-inspector sends graphql-js's getIntrospectionQuery() with its default options, which do not
// ask for specifiedByURL: the one thing the committed SDL has that an introspected copy cannot.
const SPECIFIED_BY = / @specifiedBy\(url: "[^"]*"\)/g;
const committedAsIntrospected = () => readFileSync(COMMITTED, "utf8").replace(SPECIFIED_BY, "").trimEnd();

let db: Awaited<ReturnType<typeof createScratchDatabase>>;
let keys: { store: string; support: string; admin: string };
let work: string;
beforeAll(async () => {
  db = await createScratchDatabase();
  const pool = createPool(db.url, { size: 1, timeoutMs: 10_000 });
  keys = await createRoleKeys(pool, "inspector");
  await pool.end();
  work = mkdtempSync(path.join(os.tmpdir(), "alga-inspector-"));
});
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await db.drop();
});

const inspector = (...args: string[]) => run(process.execPath, [INSPECTOR, ...args], { FORCE_COLOR: "0" }, undefined, work);

describe("at the defaults (INTROSPECTION=public)", () => {
  let api: ApiProcess;
  beforeAll(async () => {
    api = await startApiProcess({ DATABASE_URL: db.url });
  });
  afterAll(() => api.stop());

  it("`graphql-inspector introspect URL --write FILE` writes the committed schema", async () => {
    const res = await inspector("introspect", `${api.url}/graphql`, "--write", "live.graphql");
    expect([res.code, res.stdout]).toEqual([0, expect.stringContaining("Saved to")]);
    expect(readFileSync(path.join(work, "live.graphql"), "utf8").trimEnd()).toBe(committedAsIntrospected());
  });

  it("`graphql-inspector diff` of the committed schema against the live one finds no breaking change", async () => {
    const res = await inspector("diff", COMMITTED, `${api.url}/graphql`);
    expect([res.code, res.stdout]).toEqual([0, expect.stringContaining("No breaking changes detected")]);
    // the only difference it lists is the specifiedBy directive introspection does not carry
    const changes = res.stdout.split("\n").filter((l) => /^\S*\s*[✖⚠✔]/u.test(l.replace(/^\[log\]\s*/, "")));
    expect(changes).toEqual([expect.stringContaining("Directive specifiedBy was removed from scalar JSON")]);
    // and against the copy introspect wrote: nothing at all
    await inspector("introspect", `${api.url}/graphql`, "--write", "again.graphql");
    const same = await inspector("diff", "again.graphql", `${api.url}/graphql`);
    expect([same.code, same.stdout]).toEqual([0, expect.stringContaining("No changes detected")]);
  });
});

describe("INTROSPECTION=authenticated", () => {
  let api: ApiProcess;
  beforeAll(async () => {
    api = await startApiProcess({ DATABASE_URL: db.url, INTROSPECTION: "authenticated" });
  });
  afterAll(() => api.stop());

  it('with `--header "Authorization: Bearer …"` a staff key gets the committed schema', async () => {
    const res = await inspector("introspect", `${api.url}/graphql`, "--header", `Authorization: Bearer ${keys.support}`, "--write", "auth.graphql");
    expect([res.code, res.stdout]).toEqual([0, expect.stringContaining("Saved to")]);
    expect(readFileSync(path.join(work, "auth.graphql"), "utf8").trimEnd()).toBe(committedAsIntrospected());
  });

  it("without a key it fails with the API's UNAUTHENTICATED message and writes nothing", async () => {
    const res = await inspector("introspect", `${api.url}/graphql`, "--write", "anonymous.graphql");
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("Authentication required: send an API key");
    expect(() => readFileSync(path.join(work, "anonymous.graphql"))).toThrow();
  });
});
