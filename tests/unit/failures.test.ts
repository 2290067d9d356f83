// The failure table (contract/src/failures.ts): one row per contract error code, saying what every
// surface does with it — and the exit codes it yields are the ones the READMEs document.
import { readFileSync } from "node:fs";
import {
  applianceFailure,
  DOMAIN_ERROR_CODES,
  ERROR_CODE_LIST,
  explainFailure,
  FAILURES,
  NO_ANSWER_FAILURES,
  RETRYABLE_ERROR_CODES,
  undecided,
  type AlgaLicenseErrorCode,
  type ApplianceFailureCode,
  type ErrorCode,
} from "../../contract/src/index.js";
import { CHECKIN_EXIT } from "../../setup-tui/src/checkin/agent.js";
import { FLOW_FAILURES, setupExitOf, type FailureCode } from "../../setup-tui/src/flows.js";
import { SETUP_EXIT } from "../../setup-tui/src/noninteractive.js";
import { exitCodeFor } from "../../store-client/src/cli/exit-codes.js";

const APPLIANCE_CODES: ApplianceFailureCode[] = [...ERROR_CODE_LIST, "UNREACHABLE", "BAD_RESPONSE"];
const TRANSPORT: AlgaLicenseErrorCode[] = ["NETWORK_ERROR", "TIMEOUT", "HTTP_ERROR"];

describe("the failure table is complete", () => {
  it("has exactly one row per contract error code", () => {
    expect(Object.keys(FAILURES).sort()).toEqual([...ERROR_CODE_LIST].sort());
    expect(DOMAIN_ERROR_CODES).toEqual(ERROR_CODE_LIST);
  });

  it.each(APPLIANCE_CODES)("%s: the appliance explains it with a title and a way out", (code) => {
    const why = explainFailure(code, { message: "the service's words", extensions: {} });
    expect(why.title.length).toBeGreaterThan(0);
    expect(why.action.length).toBeGreaterThan(0);
  });
});

describe("alga-store exit codes are what store-client/README.md documents", () => {
  // | 7 | refused: `TENANT_SUSPENDED`, ... | : every code in backticks on the row of its exit code
  const documented = new Map<string, number>();
  for (const line of readFileSync("store-client/README.md", "utf8").split("\n")) {
    const row = /^\| (\d) \| (.*) \|$/.exec(line);
    if (!row) continue;
    for (const [, code] of row[2]!.matchAll(/`([A-Z_]+)`/g)) documented.set(code!, Number(row[1]));
  }

  it.each<AlgaLicenseErrorCode>([...ERROR_CODE_LIST, ...TRANSPORT])("%s", (code) => {
    expect(documented.has(code)).toBe(true);
    expect(exitCodeFor(code)).toBe(documented.get(code));
  });
});

describe("alga-setup exit codes are what setup-tui/README.md documents", () => {
  // "Exit codes — `alga-setup` (and `connect`): 0 ok, 1 failed, 2 usage, ..., 3 malformed code, 4 code
  // refused (invalid, expired, used, revoked, another organisation's; connect: no paid license), 5 tenant
  // suspended, 6 service unreachable or busy, 7 seeds not applied, 8 rate limited, 9 the service's keys
  // or license did not verify, 10 connect on an appliance that is not installed"
  const readme = readFileSync("setup-tui/README.md", "utf8");
  const documented = readme.slice(
    readme.indexOf("Exit codes — `alga-setup`"),
    readme.indexOf("`alga-create-tenant`:", readme.indexOf("Exit codes — `alga-setup`")),
  );

  it.each(Object.entries(SETUP_EXIT))("%s is exit %i, as documented", (name, exit) => {
    const words: Record<string, string> = {
      OK: "ok",
      FAILED: "failed",
      USAGE: "usage",
      MALFORMED_CODE: "malformed",
      CODE_REFUSED: "code refused",
      TENANT_SUSPENDED: "tenant suspended",
      UNREACHABLE: "service unreachable",
      APPLY_FAILED: "seeds not applied",
      RATE_LIMITED: "rate limited",
      NOT_VERIFIED: "did not verify",
      NOT_BOOTSTRAPPED: "not installed",
      NOT_FOR_THIS_REQUEST: "not for this",
    };
    expect(documented.replace(/\s+/g, " ")).toMatch(new RegExp(`\\b${exit} [^,]*${words[name]}`));
  });

  // what the README's words name: the install-code refusals, another organisation's code, no paid license, ...
  const expected: Partial<Record<FailureCode, number>> = {
    INVALID_INSTALL_CODE: 4,
    EXPIRED_INSTALL_CODE: 4,
    CONSUMED_INSTALL_CODE: 4,
    REVOKED_INSTALL_CODE: 4,
    SEAT_LIMIT_REACHED: 4,
    BAD_USER_INPUT: 4,
    OTHER_TENANT: 4,
    NOT_PAID: 4,
    TENANT_SUSPENDED: 5,
    UNREACHABLE: 6,
    BAD_RESPONSE: 6,
    SERVICE_BUSY: 6,
    SERVICE_UNAVAILABLE: 6,
    RATE_LIMITED: 8,
    KEYS_NOT_TRUSTED: 9,
    LICENSE_NOT_VERIFIED: 9,
    NOT_BOOTSTRAPPED: 10,
    STATE_NOT_WRITABLE: 2,
    FAILED: 1,
    INTERNAL_SERVER_ERROR: 1,
  };

  it.each(Object.entries(expected))("%s → exit %i", (code, exit) => {
    expect(SETUP_EXIT[setupExitOf(code as FailureCode)]).toBe(exit);
  });

  // docs/OFFLINE.md, "When something is refused": | `CODE`, `CODE` | exit | what happened |
  const offline = readFileSync("docs/OFFLINE.md", "utf8");
  const refusals = offline.slice(offline.indexOf("### When something is refused"));
  const offlineRows = [...refusals.matchAll(/^\| (`[A-Z_]+`(?:, `[A-Z_]+`)*) \| (\d+) \|/gm)].flatMap((m) =>
    [...m[1]!.matchAll(/`([A-Z_]+)`/g)].map((c): [string, number] => [c[1]!, Number(m[2])]),
  );

  it("docs/OFFLINE.md lists the offline refusals", () => expect(offlineRows.length).toBeGreaterThanOrEqual(10));

  it.each(offlineRows)("offline %s → exit %i, as docs/OFFLINE.md says", (code, exit) => {
    expect(SETUP_EXIT[setupExitOf(code as FailureCode)]).toBe(exit);
  });

  it.each([...APPLIANCE_CODES, ...(Object.keys(FLOW_FAILURES) as FailureCode[])])("%s has a documented exit", (code) => {
    expect(Object.values(SETUP_EXIT)).toContain(SETUP_EXIT[setupExitOf(code)]);
  });
});

describe("alga-check-in: what a failure leaves the appliance with", () => {
  it.each(APPLIANCE_CODES)("%s", (code) => {
    const then = applianceFailure(code).checkIn;
    // the service did not decide exactly when the same request may pass later (or no answer came)
    expect(undecided(code)).toBe(code in NO_ANSWER_FAILURES || RETRYABLE_ERROR_CODES.has(code as ErrorCode));
    if ("keep" in then) expect(then.keep).toMatch(/^(license service (busy|unreachable)|unexpected answer from the license service)$/);
    else expect(then.outcome).toBe(code === "ENTITLEMENT_LAPSED" ? "lapsed" : "refused");
  });

  it("says who acts on a refused credential, and which appliance id was refused", () => {
    const say = (code: ErrorCode) => {
      const then = FAILURES[code].checkIn;
      return "outcome" in then && then.outcome === "refused" ? then.say?.({ message: "m", applianceId: "box-7" }) : undefined;
    };
    expect(say("UNAUTHENTICATED")).toMatch(/re-issued install code: alga-setup connect$/);
    expect(say("FORBIDDEN")).toMatch(/appliance id box-7/);
    expect(say("TENANT_SUSPENDED")).toBe("the organisation's license is suspended: contact your vendor");
    expect(say("CONSUMED_INSTALL_CODE")).toBeUndefined();
    expect(CHECKIN_EXIT).toMatchObject({ LICENSE_AT_RISK: 3, REFUSED: 4, ENTITLEMENT_LAPSED: 5 });
  });

  it("the wait the service asked for is in the explanation", () => {
    expect(explainFailure("SERVICE_BUSY", { message: "", retryAfterSeconds: 5 }).action).toBe("Retry in 5 seconds.");
    expect(explainFailure("RATE_LIMITED", { message: "" }).action).toBe("The code itself may be fine: try again in a little while.");
    expect(explainFailure("BAD_USER_INPUT", { message: "x", extensions: { reason: "OTHER_TENANT" } }).title).toBe("The code belongs to another organisation");
  });
});
