// alga-store's command line read against the command declarations (store-client/src/cli/parse.ts):
// only a command's own flags and the common ones, each from the flag, its variable or its default.
import { COMMANDS } from "../../store-client/src/cli/commands/index.js";
import { SettingError, UsageError } from "../../store-client/src/cli/inputs.js";
import { CommandUsageError, parseCommandLine } from "../../store-client/src/cli/parse.js";
import { commandHelp, overview } from "../../store-client/src/cli/usage.js";

const ID = "00000000-0000-4000-8000-000000000000";
const ENV = { ALGA_LICENSE_URL: "https://license.example.com" };
const parse = (argv: string[], env: NodeJS.ProcessEnv = ENV) => parseCommandLine(argv, COMMANDS, env);
const refusal = (argv: string[], env: NodeJS.ProcessEnv = ENV) => {
  try {
    parse(argv, env);
  } catch (err) {
    return {
      kind: err instanceof SettingError ? "setting" : err instanceof CommandUsageError ? "command usage" : err instanceof UsageError ? "usage" : "other",
      message: (err as Error).message,
    };
  }
  throw new Error(`${argv.join(" ")} was accepted`);
};

describe("parseCommandLine", () => {
  it.each<[string[], Record<string, unknown>]>([
    [
      ["register", "--company", "Acme", "--email", "a@b.test", "--edition", "pro"],
      { company: "Acme", email: "a@b.test", edition: "PRO", deployment: undefined },
    ],
    [["register", "--edition=premium", "--email", "a@b.test", "--company", "Acme", "--deployment", "hosted"], { edition: "PREMIUM", deployment: "HOSTED" }],
    [["tenants"], { first: 20, status: undefined, search: undefined }],
    [["tenants", "--status", "active, installed", "--first", "5", "--edition", "pro"], { status: ["ACTIVE", "INSTALLED"], first: 5, edition: ["PRO"] }],
    [
      ["grant", ID, "--edition", "pro", "--valid-until", "2031-01-31", "--seats", "2"],
      { edition: "PRO", validUntil: undefined, "valid-until": "2031-01-31T00:00:00.000Z", seats: 2 },
    ],
    [["extend", ID, "--open-ended"], { "open-ended": true, "valid-until": undefined }],
    [["set-seats", ID, "--seats", "3", "--reason", "PO 7"], { seats: 3, reason: "PO 7" }],
  ])("%j → %j", (argv, flags) => {
    const line = parse(argv);
    expect(line.kind).toBe("run");
    if (line.kind === "run") {
      expect(line.command.name).toBe(argv[0]);
      for (const [k, v] of Object.entries(flags)) expect([k, line.flags[k]]).toEqual([k, v]);
    }
  });

  it("TENANT_ID as the argument or --tenant; the common flags from the flag, their variable or their default", () => {
    const line = parse(["cancel", "--tenant", ID, "--json"], { ALGA_LICENSE_URL: " http://127.0.0.1:4000 " });
    expect(line).toMatchObject({
      kind: "run",
      tenantId: ID,
      common: { json: true, url: "http://127.0.0.1:4000/", timeout: 10_000, "api-key-file": undefined },
    });
    expect(parse(["cancel", ID, "--url", "https://other.example.com/license", "--timeout", "500"])).toMatchObject({
      tenantId: ID,
      common: { url: "https://other.example.com/license", timeout: 500, json: false },
    });
    // the flags may come before the command
    expect(parse(["--json", "tenant", ID])).toMatchObject({ kind: "run", tenantId: ID, common: { json: true } });
  });

  it.each<[string[], NodeJS.ProcessEnv, { kind: string; message: string | RegExp }]>([
    [["tenants", "--seats", "3"], ENV, { kind: "command usage", message: "--seats is not an option of tenants (only grant and set-seats take it)" }],
    [["entitlement", ID, "--last", "2"], ENV, { kind: "command usage", message: "--last is not an option of entitlement (only entitlements takes it)" }],
    [
      ["register", "--tenant", ID],
      ENV,
      { kind: "command usage", message: /^--tenant is not an option of register \(only reissue, tenant, entitlement, .* and cancel take it\)$/ },
    ],
    [["tenants", "-x"], ENV, { kind: "command usage", message: "unknown option -x" }],
    [["tenants", "--constructor"], ENV, { kind: "command usage", message: "unknown option --constructor" }],
    [["cancel", ID, "again"], ENV, { kind: "command usage", message: 'unexpected argument "again": cancel takes one TENANT_ID' }],
    [["tenants", "acme"], ENV, { kind: "command usage", message: 'unexpected argument "acme": tenants takes no argument' }],
    [["cancel"], ENV, { kind: "command usage", message: "TENANT_ID is required" }],
    [["register", "--company", "X"], ENV, { kind: "command usage", message: "--email is required" }],
    [["register", "--company"], ENV, { kind: "command usage", message: /--company/ }],
    [["extend", ID, "--open-ended=yes"], ENV, { kind: "command usage", message: /--open-ended/ }],
    [["reissue", "--email", "a@b.test", "--tenant", ID], ENV, { kind: "command usage", message: "pass exactly one of --email EMAIL or --tenant TENANT_ID" }],
    [["reissue"], ENV, { kind: "command usage", message: "pass exactly one of --email EMAIL or --tenant TENANT_ID" }],
    [["extend", ID], ENV, { kind: "command usage", message: "pass exactly one of --valid-until DATE or --open-ended" }],
    [["grant", ID, "--edition", "essentials"], ENV, { kind: "command usage", message: "--edition must be pro or premium" }],
    [["grant", ID, "--edition", "pro", "--valid-until", "soon"], ENV, { kind: "command usage", message: /^--valid-until "soon" is not a date/ }],
    [["set-seats", ID, "--seats", "0"], ENV, { kind: "command usage", message: "--seats must be a positive whole number" }],
    [["tenants", "--first", "1e1"], ENV, { kind: "command usage", message: "--first must be a positive whole number" }],
    [["tenants", "--timeout", "0"], ENV, { kind: "command usage", message: "--timeout must be a positive number of milliseconds" }],
    [["tenants"], {}, { kind: "setting", message: "no license service URL: pass --url URL or set ALGA_LICENSE_URL, e.g. --url https://license.example.com" }],
    [
      ["tenants"],
      { ALGA_LICENSE_URL: "localhost:4000" },
      { kind: "setting", message: /^ALGA_LICENSE_URL "localhost:4000" must start with http:\/\/ or https:\/\// },
    ],
    [["tenants", "--url", "127.0.0.1:4000"], ENV, { kind: "setting", message: /^--url "127.0.0.1:4000" is not a URL/ }],
    [["tenants", "--api-key-file", "/nonexistent/key"], ENV, { kind: "setting", message: "--api-key-file /nonexistent/key: no such file" }],
    [[], ENV, { kind: "usage", message: "missing command" }],
    [["frobnicate"], ENV, { kind: "usage", message: "unknown command frobnicate" }],
  ])("%j is refused", (argv, env, expected) => {
    const r = refusal(argv, env);
    expect(r.kind).toBe(expected.kind);
    if (typeof expected.message === "string") expect(r.message).toBe(expected.message);
    else expect(r.message).toMatch(expected.message);
  });

  it("--help wins, for the overview or one command", () => {
    expect(parse(["--help"], {})).toEqual({ kind: "help", command: undefined });
    expect(parse(["grant", "-h"], {})).toMatchObject({ kind: "help", command: { name: "grant" } });
    expect(parse(["frobnicate", "--help"], {})).toEqual({ kind: "help", command: undefined });
  });
});

describe("the help, generated", () => {
  it("the overview lists every command under its heading, no line wider than 100", () => {
    const text = overview(COMMANDS);
    for (const c of COMMANDS) expect(text).toMatch(new RegExp(`^ {2}${c.name} +`, "m"));
    expect(text.indexOf("entitlements (support/admin key to read")).toBeLessThan(text.indexOf("  grant "));
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
  });

  it("a command's help: its synopsis with required flags bare and optional ones bracketed, each flag's default or variable", () => {
    const grant = commandHelp(COMMANDS.find((c) => c.name === "grant")!);
    expect(grant).toMatch(/^usage: alga-store grant TENANT_ID --edition pro\|premium \[--seats N\] \[--valid-until DATE\]/);
    expect(grant).toMatch(/--edition pro\|premium +the paid edition \(required\)/);
    expect(grant).toMatch(/--url URL +control plane base URL \(default: \$ALGA_LICENSE_URL\)/);
    expect(grant).toMatch(/--timeout MS +per-request timeout \(default 10000\)/);
    const tenants = commandHelp(COMMANDS.find((c) => c.name === "tenants")!);
    expect(tenants).toMatch(/--first N +tenants per page \(default 20\)/);
    expect(tenants).not.toContain("TENANT_ID");
    expect(commandHelp(COMMANDS.find((c) => c.name === "extend")!)).toContain("extend TENANT_ID (--valid-until DATE | --open-ended) [--reason TEXT] [options]");
  });

  it("one flag name has one type in every command (the command line is read before the command is known)", () => {
    const types = new Map<string, Set<string>>();
    for (const c of COMMANDS) for (const [name, spec] of Object.entries(c.flags)) types.set(name, (types.get(name) ?? new Set()).add(spec.type));
    for (const [name, kinds] of types) expect([name, [...kinds]]).toEqual([name, [expect.any(String)]]);
  });
});
