// Pure rules behind the edge's retryable answers and error messages: what a database failure is
// called (db/failures.ts) and what a caller who may not introspect is told (http/schema-hints.ts).
import { classifyFailure, isClientTimeout } from "../api/src/db/failures.js";
import { withoutSuggestions } from "../api/src/http/schema-hints.js";

const pgError = (code: string, message = "x") => Object.assign(new Error(message), { code });

describe("a client-side timeout is an outage or saturation by what the database's probe says", () => {
  const timeouts = [
    "timeout exceeded when trying to connect",
    "Connection terminated due to connection timeout",
    "Query read timeout",
    "Client was closed and is not queryable",
  ];

  it.each(timeouts)("%s: SERVICE_BUSY while the database answers, SERVICE_UNAVAILABLE while it does not", (message) => {
    expect(classifyFailure(new Error(message), true)).toBe("SERVICE_BUSY");
    expect(classifyFailure(new Error(message), false)).toBe("SERVICE_UNAVAILABLE");
    // wrapped (as Prisma's adapter or our own code may)
    expect(isClientTimeout(new Error("query failed", { cause: new Error(message) }))).toBe(true);
  });

  it("answers from the server keep their class whatever the probe says", () => {
    for (const reachable of [true, false]) {
      expect(classifyFailure(pgError("55P03", "canceling statement due to lock timeout"), reachable)).toBe("SERVICE_BUSY");
      expect(classifyFailure(pgError("57014", "canceling statement due to statement timeout"), reachable)).toBe("SERVICE_BUSY");
      expect(classifyFailure(pgError("ECONNREFUSED"), reachable)).toBe("SERVICE_UNAVAILABLE");
      expect(classifyFailure(new Error("Connection terminated unexpectedly"), reachable)).toBe("SERVICE_UNAVAILABLE");
    }
    expect(isClientTimeout(pgError("57014", "canceling statement due to statement timeout"))).toBe(false);
    expect(classifyFailure(new Error("relation does not exist"), false)).toBeUndefined();
  });
});

describe("schema hints", () => {
  it('drops every "Did you mean" suggestion graphql-js appends, and nothing else', () => {
    expect(withoutSuggestions('Cannot query field "installCodeStatu" on type "Query". Did you mean "installCodeStatus"?')).toBe(
      'Cannot query field "installCodeStatu" on type "Query".',
    );
    expect(withoutSuggestions('Value "PRR" does not exist in "Edition" enum. Did you mean the enum value "PRO"?')).toBe(
      'Value "PRR" does not exist in "Edition" enum.',
    );
    expect(
      withoutSuggestions(
        'Variable "$input" got invalid value { a: 1 }; Field "installCod" is not defined by type "RedeemInstallCodeInput". Did you mean "installCode" or "applianceId"?',
      ),
    ).toBe('Variable "$input" got invalid value { a: 1 }; Field "installCod" is not defined by type "RedeemInstallCodeInput".');
    expect(withoutSuggestions('Syntax Error: Unexpected Name "nope".')).toBe('Syntax Error: Unexpected Name "nope".');
  });
});
