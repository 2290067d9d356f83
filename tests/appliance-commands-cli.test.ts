// The compiled appliance commands (setup-tui/dist) as an operator runs them: `--help` prints the help
// generated from the declaration (exit 0), and a flag the command does not take is a usage error that
// names it, with the documented usage exit code (2).
import { commandHelp, programHelp, usageExit, type CommandSpec } from "@alga-license/contract";
import {
  CHECK_IN,
  CONNECT,
  CREATE_TENANT,
  IMPORT,
  LICENSE_STATUS,
  OFFLINE_APPLY,
  OFFLINE_REQUEST,
  PROGRAMS,
  RENEWAL_REQUEST,
  SETUP,
} from "../setup-tui/src/commands.js";
import { run } from "./helpers/processes.js";

/** the bin's compiled entry and the words before the flags */
const BINS: [CommandSpec, string, string[]][] = [
  [CONNECT, "setup", ["connect"]],
  [OFFLINE_REQUEST, "setup", ["offline-request"]],
  [OFFLINE_APPLY, "setup", ["offline-apply"]],
  [CREATE_TENANT, "create-tenant", []],
  [CHECK_IN, "check-in", []],
  [LICENSE_STATUS, "license", ["status"]],
  [RENEWAL_REQUEST, "license", ["renewal-request"]],
  [IMPORT, "license", ["import"]],
];

// no setting from the test's own environment: what the command is given is all it sees
const cli = (bin: string, args: string[]) =>
  run(process.execPath, [`setup-tui/dist/cli/${bin}.js`, ...args], { APPLIANCE_DATABASE_URL: "", ALGA_LICENSE_URL: "", ALGA_INSTALL_CODE: "" });

it.each(BINS.map(([c, bin, words]) => [c.name, c, bin, words] as const))("%s --help prints its generated help (exit 0)", async (_, command, bin, words) => {
  const r = await cli(bin, [...words, "--help"]);
  expect([r.code, r.stdout.trimEnd(), r.stderr]).toEqual([0, commandHelp(command), ""]);
});

it("alga-setup --help and alga-license --help list their commands", async () => {
  const setup = await cli("setup", ["-h"]);
  expect([setup.code, setup.stdout.trimEnd()]).toEqual([0, programHelp("alga-setup", PROGRAMS["alga-setup"], SETUP)]);
  const license = await cli("license", ["--help"]);
  expect([license.code, license.stdout.trimEnd()]).toEqual([0, programHelp("alga-license", PROGRAMS["alga-license"])]);
  // a usage line first, as every command's help (the images' check looks for it too)
  expect(setup.stdout.split("\n").slice(0, 2)).toEqual(["usage: alga-setup <command> [flags]", "       alga-setup [flags]"]);
  expect(license.stdout.split("\n")[0]).toBe("usage: alga-license <command> [flags]");
});

it.each(BINS.map(([c, bin, words]) => [c.name, c, bin, words] as const))(
  "%s with an unknown flag: a usage error naming it (exit 2)",
  async (_, command, bin, words) => {
    const r = await cli(bin, [...words, "--bogus"]);
    expect(r.code).toBe(usageExit(command.exits));
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain("Unknown option '--bogus'");
  },
);

it.each<[string, string[], string]>([
  ["check-in", ["--seed-dir", "x"], "--seed-dir"],
  ["setup", ["offline-request", "--response", "r.json"], "--response is not an option of alga-setup offline-request (only alga-setup offline-apply takes it)"],
  ["setup", ["--install-code", "X", "--out", "r.json"], "--out is not an option of alga-setup (only alga-setup offline-request takes it)"],
  ["license", ["import", "--out", "r.json", "--json"], "--out is not an option of alga-license import (only alga-license renewal-request takes it)"],
])("alga-%s %j: another command's flag is a usage error (exit 2)", async (bin, args, message) => {
  const r = await cli(bin, args);
  expect(r.code).toBe(2);
  expect(r.stdout + r.stderr).toContain(message);
});
