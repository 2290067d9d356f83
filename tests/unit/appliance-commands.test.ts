// Commands declared once (contract/src/cli): the strict parser and the generated help, on a small
// declaration of their own; then every appliance command's declaration (setup-tui/src/commands.ts), its
// help, its usage errors, and setup-tui/README.md's command reference generated from it.
import { readFileSync } from "node:fs";
import {
  commandHelp,
  exitCodes,
  flagSynopsis,
  HELP_WIDTH,
  isFlag,
  option,
  resolveFlags,
  scanCommandLine,
  setting,
  SettingError,
  toggle,
  usageExit,
  UsageError,
  type CommandSpec,
  type FlagSpecs,
} from "../../contract/src/index.js";
import { commandReference, withReference } from "../../setup-tui/src/command-reference.js";
import { OFFLINE_REQUEST, PROGRAMS } from "../../setup-tui/src/commands.js";
import { checkInSettings, licenseFileSettings, licenseStatusSettings, offlineRequestSettings, setupSettings } from "../../setup-tui/src/config.js";
import { APPLIANCE_WORDING } from "../../setup-tui/src/settings.js";

const count = (raw: string, source: string) => {
  if (!/^\d+$/.test(raw)) throw new UsageError(`${source} must be a whole number`);
  return Number(raw);
};

const GREET = {
  name: "greet",
  summary: "says hello",
  flags: {
    name: option("NAME", "who is greeted", { required: true }),
    times: option("N", "how often", { env: "GREET_TIMES", default: "1", parse: count }),
    shout: toggle("in capitals", "s"),
    url: option("URL", "where to", { env: "GREET_URL", required: true, missing: "no URL: pass --url or set GREET_URL" }),
    home: setting("GREET_HOME", "where greetings are kept", { default: "/var/greet" }),
  },
  exits: exitCodes({ OK: 0, FAILED: 1, USAGE: 2 }, { OK: "greeted", FAILED: "failed", USAGE: "bad usage" }),
} satisfies CommandSpec;
const WAVE = { name: "wave", summary: "waves", flags: { hand: option("SIDE", "which hand") }, exits: GREET.exits } satisfies CommandSpec;

/** greet's command line: its values, or the messages of its problems */
function greet(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const scanned = scanCommandLine(argv, GREET, [WAVE]);
  return resolveFlags(GREET.flags, scanned.given, env);
}
const problems = (argv: string[], env: NodeJS.ProcessEnv = {}) => greet(argv, env).problems.map((p) => p.message);
const refusal = (argv: string[]) => {
  try {
    scanCommandLine(argv, GREET, [WAVE]);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${argv.join(" ")} was accepted`);
};

describe("the parser reads only what the command declares", () => {
  it("each value from its flag, else its variable (trimmed), else its default; checked and converted", () => {
    expect(greet(["--name", "Ada", "--url", "u"]).values).toEqual({ name: "Ada", times: 1, shout: false, url: "u", home: "/var/greet" });
    expect(greet(["--name=Ada", "-s"], { GREET_TIMES: " 3 ", GREET_URL: "e", GREET_HOME: "/h" }).values).toMatchObject({
      times: 3,
      shout: true,
      url: "e",
      home: "/h",
    });
    // the flag wins over its variable; an empty variable is unset
    expect(greet(["--name", "Ada", "--times", "2", "--url", "u"], { GREET_TIMES: "9" }).values.times).toBe(2);
    expect(greet(["--name", "Ada", "--url", "u"], { GREET_TIMES: "  " }).values.times).toBe(1);
  });

  it("an unknown flag, or another command's, is refused naming it", () => {
    expect(refusal(["--nope"])).toBe("unknown option --nope");
    expect(refusal(["-x"])).toBe("unknown option -x");
    expect(refusal(["--hand", "left"])).toBe("--hand is not an option of greet (only wave takes it)");
    // an environment-only setting is no flag
    expect(refusal(["--home", "/x"])).toBe("unknown option --home");
    expect(() => scanCommandLine(["--nope"], GREET, [], APPLIANCE_WORDING)).toThrow("Unknown option '--nope'");
  });

  it("a flag without its value, or a value for a flag that takes none, is refused naming the flag", () => {
    expect(refusal(["--name"])).toMatch(/^Option '--name <value>' argument missing$/);
    expect(refusal(["--shout=yes"])).toMatch(/--shout/);
  });

  it("every missing or wrong setting is a problem, all at once, in the order of the declarations", () => {
    expect(problems([], {})).toEqual(["--name is required", "no URL: pass --url or set GREET_URL"]);
    expect(problems(["--name", "Ada", "--times", "many", "--url", "u"])).toEqual(["--times must be a whole number"]);
    // the problem names where the wrong value came from
    expect(problems(["--name", "Ada", "--url", "u"], { GREET_TIMES: "many" })).toEqual(["GREET_TIMES must be a whole number"]);
    expect(problems(["--name", " ", "--url", "u"])).toEqual(["--name is empty"]);
    const r = greet(["--times", "x"], { GREET_URL: "u" });
    expect([...r.wrong]).toEqual(["name", "times"]);
    expect(r.values.times).toBeUndefined();
  });

  it("a missing setting a variable could give is a SettingError (its message says what to fix)", () => {
    const [name, url] = greet([]).problems;
    expect(name).toBeInstanceOf(UsageError);
    expect(name).not.toBeInstanceOf(SettingError);
    expect(url).toBeInstanceOf(SettingError);
  });

  it("the appliance tools' words: flag and variable named together", () => {
    const r = resolveFlags(GREET.flags, { name: "Ada", url: "u" }, { GREET_TIMES: "many" }, APPLIANCE_WORDING);
    expect(r.problems.map((p) => p.message)).toEqual(["--times / GREET_TIMES must be a whole number"]);
    expect(resolveFlags(GREET.flags, { name: "" }, {}, APPLIANCE_WORDING).problems[0]!.message).toBe("--name: is empty");
  });
});

describe("the help is generated from the declaration", () => {
  const help = commandHelp(GREET);

  it("its synopsis: required flags bare, optional ones bracketed, variables and --help left out", () => {
    expect(help.split("\n")[0]).toBe("usage: greet --name NAME [--times N] [--shout] --url URL");
  });

  it("lists every flag and variable with where its value comes from, and every exit code", () => {
    for (const [name, spec] of Object.entries(GREET.flags as FlagSpecs)) expect(help).toContain(`  ${flagSynopsis(name, spec)}`);
    expect(help).toMatch(/^ {2}--name NAME +who is greeted \(required\)$/m);
    expect(help).toMatch(/^ {2}--times N +how often \(default: \$GREET_TIMES, else 1\)$/m);
    expect(help).toMatch(/^ {2}--shout, -s +in capitals$/m);
    expect(help).toMatch(/^ {2}env GREET_HOME +where greetings are kept \(default \/var\/greet\)$/m);
    expect(help).toMatch(/^exit codes: 0 greeted, 1 failed, 2 bad usage$/m);
    expect(usageExit(GREET.exits)).toBe(2);
  });
});

const COMMANDS = Object.values(PROGRAMS).flat() as readonly CommandSpec[];

describe.each(COMMANDS.map((c) => [c.name, c] as const))("%s", (_, command) => {
  const help = commandHelp(command);

  it("its help lists every flag, every variable and every exit code, no line wider than 100", () => {
    for (const [name, spec] of Object.entries(command.flags)) expect(help).toContain(`  ${flagSynopsis(name, spec)}`);
    for (const e of command.exits) expect(help.replace(/\s+/g, " ")).toContain(`${e.code} ${e.meaning}`);
    for (const line of help.split("\n")) expect(line.length).toBeLessThanOrEqual(HELP_WIDTH);
  });

  it("declares the usage exit code (2) and --help", () => {
    expect(usageExit(command.exits)).toBe(2);
    expect(command.flags.help).toMatchObject({ type: "boolean", short: "h" });
  });

  it("every variable it reads is in setup-tui/README.md's Settings table", () => {
    const readme = readFileSync("setup-tui/README.md", "utf8");
    const table = readme.slice(readme.indexOf("\n## Settings\n"), readme.indexOf("\n## ", readme.indexOf("\n## Settings\n") + 1));
    for (const spec of Object.values(command.flags)) if (spec.type === "string" && spec.env) expect(table).toContain(`\`${spec.env}\``);
    // and every flag it takes, beside its variable
    for (const [name, spec] of Object.entries(command.flags)) {
      if (isFlag(spec) && spec.type === "string" && spec.env && !["output"].includes(name)) expect(table).toContain(`\`--${name}\``);
    }
  });
});

describe("the appliance commands' usage errors", () => {
  const ENV = { APPLIANCE_DATABASE_URL: "postgresql://db/appliance", APPLIANCE_ID: "box-1", ALGA_LICENSE_URL: "https://license.example.com" };
  const problemsOf = (read: () => unknown) => {
    try {
      read();
    } catch (err) {
      if (err instanceof UsageError) return err.problems;
      throw err;
    }
    return [];
  };

  it.each<[string, () => unknown, string[]]>([
    ["an unknown flag", () => checkInSettings(["--bogus"], ENV), ["Unknown option '--bogus'"]],
    [
      "another command's flag",
      () => offlineRequestSettings(["offline-request", "--install-code", "X", "--out", "f", "--response", "r"], ENV),
      ["--response is not an option of alga-setup offline-request (only alga-setup offline-apply takes it)"],
    ],
    [
      "a flag of two other commands",
      () => setupSettings(["--install-code", "X", "--json"], ENV, false),
      ["--json is not an option of alga-setup (only alga-setup offline-request and alga-setup offline-apply take it)"],
    ],
    [
      "import's flag given to renewal-request",
      () => licenseFileSettings("renewal-request", ["renewal-request", "--file", "x"], ENV),
      ["--file is not an option of alga-license renewal-request (only alga-license import takes it)"],
    ],
    [
      "every wrong value at once, each naming flag and variable",
      () => checkInSettings(["--attempts", "0", "--warn-days", "x"], { ...ENV, ALGA_CLOCK_OFFSET_SECONDS: "soon" }),
      [
        '--attempts / ALGA_CHECKIN_ATTEMPTS: "0" is not a whole number of attempts between 1 and 50 (default 4)',
        '--warn-days / ALGA_CHECKIN_WARN_DAYS: "x" is not a whole number of days between 0 and 365 (default 7)',
        expect.stringMatching(/^ALGA_CLOCK_OFFSET_SECONDS: "soon" is not a whole number of seconds/),
      ],
    ],
    [
      "required settings",
      () => offlineRequestSettings(["offline-request"], { APPLIANCE_ID: "box-1" }),
      [
        "--install-code / ALGA_INSTALL_CODE: the install code from the email is required",
        "--out: the file to write the request to is required, e.g. --out request.json",
      ],
    ],
    ["a missing command", () => licenseStatusSettings([], ENV), ["missing command: use alga-license status"]],
    ["an unknown command", () => licenseStatusSettings(["frob"], ENV), ['unknown command "frob": use alga-license status, renewal-request or import']],
    ["a stray argument", () => licenseStatusSettings(["status", "now"], ENV), ['unexpected argument "now"']],
  ])("%s", (_, read, expected) => {
    expect(problemsOf(read)).toEqual(expected);
  });

  it("--help wins over wrong values (not over an unknown flag)", () => {
    expect(checkInSettings(["--help", "--attempts", "0"], {}).help).toBe(true);
    expect(offlineRequestSettings(["offline-request", "-h"], {}).help).toBe(true);
    expect(problemsOf(() => checkInSettings(["--help", "--nope"], {}))).toEqual(["Unknown option '--nope'"]);
  });

  it("values are read as declared: flag over variable, defaults otherwise", () => {
    expect(checkInSettings(["--attempts", "7", "--no-spread"], { ...ENV, ALGA_CHECKIN_ATTEMPTS: "3" })).toMatchObject({
      attempts: 7,
      spreadSeconds: 0,
      retryDelayMs: 1000,
      maxWaitSeconds: 300,
      warnDays: 7,
      graceSeconds: 72 * 3600,
    });
    expect(offlineRequestSettings(["offline-request", "--out", "r.json"], { ...ENV, ALGA_INSTALL_CODE: " CODE " })).toMatchObject({
      installCode: "CODE",
      out: "r.json",
      applianceId: "box-1",
      stateDir: "/var/lib/alga-appliance",
    });
    expect(OFFLINE_REQUEST.flags["install-code"].env).toBe("ALGA_INSTALL_CODE");
  });
});

it("setup-tui/README.md's command reference is the one generated from the declarations (npm run docs:commands)", () => {
  const readme = readFileSync("setup-tui/README.md", "utf8");
  expect(readme).toContain(commandReference());
  expect(withReference(readme)).toBe(readme);
});
