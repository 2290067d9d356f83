// Bad input, generated and hand-written, against a replica as callers reach it (HTTP, compiled API).
// Property for every mutation (and installCodeStatus, and the support search): the answer is data or
// a contract error code — never INTERNAL_SERVER_ERROR, a 5xx, a stack or a non-JSON body — and a
// refused call writes no row. Then the hand-written cases of issue 11: introspection nested 100
// levels, a document nested 5,000 levels, 20 aliased mutations in one request, and their relatives.
import fc from "fast-check";
import { ERROR_CODE_LIST } from "../../contract/src/errors.js";
import { installAppliances } from "./helpers/appliances.js";
import { describeTally, setting, table, tally } from "./helpers/figures.js";
import { gql, REGISTER, type Answer } from "./helpers/http.js";
import { clientAddress, startWorld, type World } from "./helpers/world.js";

const RUNS = setting("FAST_CHECK_RUNS", 500);
const CONTRACT = new Set<string>(ERROR_CODE_LIST.filter((c) => c !== "INTERNAL_SERVER_ERROR"));

let w: World;
let url: string;
let known: { tenantIds: string[]; emails: string[]; codes: string[]; codeIds: string[]; applianceIds: string[]; credential: string; applianceId: string };
beforeAll(async () => {
  w = await startWorld({ label: "input", replicas: 1 });
  url = w.replicas[0]!.url;
  const installed = await installAppliances(url, w.keys.store, 3, "input");
  const spare = [];
  for (let i = 0; i < 3; i++) {
    const a = await gql(
      url,
      REGISTER,
      { input: { companyName: `Spare ${i}`, contactEmail: `spare-${i}@example.test`, edition: i ? "PRO" : "ESSENTIALS" } },
      { token: w.keys.store },
    );
    spare.push(a.data.registerTenant);
  }
  const { rows } = await w.db.pool.query<{ id: string }>(`SELECT id FROM install_code LIMIT 10`);
  known = {
    tenantIds: [...installed.map((a) => a.tenantId), ...spare.map((s) => s.tenantId)],
    emails: ["input-0@example.test", "spare-1@example.test", "SPARE-2@EXAMPLE.TEST"],
    codes: spare.map((s) => s.installCode),
    codeIds: rows.map((r) => r.id),
    applianceIds: installed.map((a) => a.applianceId),
    // the last one checks in; the others may be revoked by the admin mutations
    credential: installed[2]!.credential,
    applianceId: installed[2]!.applianceId,
  };
});
afterAll(() => w?.stop());

// ---- generators -------------------------------------------------------------------------------
const SPECIALS = [
  "\u0000",
  "a\u0000b",
  "\u202e",
  "\u2028",
  "\n",
  "\t",
  "\u001b[31m",
  "\uFEFF",
  "'; DROP TABLE tenant_registry; --",
  "%00",
  "\\u0000",
  "𝕏",
  " ",
  "",
  "null",
  "{}",
];
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const nasty = fc
  .array(fc.oneof(fc.constantFrom(...SPECIALS), loneSurrogate, fc.string({ unit: "binary", maxLength: 8 }), fc.string({ maxLength: 8 })), { maxLength: 8 })
  .map((parts) => parts.join(""));
/** any text a caller could send, weighted towards what breaks things, with a few plausible values */
const text = (plausible: fc.Arbitrary<string>[] = []) =>
  fc.oneof(
    { weight: 4, arbitrary: nasty },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", minLength: 150, maxLength: 400 }) },
    { weight: 1, arbitrary: fc.constantFrom("x".repeat(5000), "é".repeat(300)) },
    ...plausible.map((arbitrary) => ({ weight: Math.ceil(8 / plausible.length), arbitrary })),
  );
/** a value of the wrong type now and then (GraphQL coercion must refuse it as BAD_USER_INPUT) */
const field = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 12, arbitrary: arb as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 42, true, {}, [], ["x"], 1.5e300) });
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(field(arb), { nil: undefined, freq: 3 });
const edition = fc.constantFrom<unknown>("ESSENTIALS", "PRO", "PREMIUM", "GOLD", "pro", "");
const email = () => text([fc.emailAddress(), fc.constantFrom(...known.emails)]);
const uuid = () => text([fc.uuid(), fc.constantFrom(...known.tenantIds), fc.constantFrom(...known.codeIds)]);
const applianceId = () => text([fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/), fc.constantFrom(...known.applianceIds)]);
const code = () =>
  text([
    fc.constantFrom(...known.codes),
    fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}$/),
  ]);

interface Operation {
  name: string;
  query: string;
  variables: () => fc.Arbitrary<Record<string, unknown>>;
  token: () => string | undefined;
}

const OPERATIONS: Operation[] = [
  {
    name: "registerTenant",
    query: `mutation($input: RegisterTenantInput!) { registerTenant(input: $input) { tenantId installCode } }`,
    variables: () =>
      fc.record({
        input: field(
          fc.record(
            {
              companyName: field(text([fc.string({ minLength: 1, maxLength: 30 })])),
              contactEmail: field(email()),
              edition: field(edition),
              deploymentType: opt(fc.constantFrom<unknown>("APPLIANCE", "HOSTED", "CLOUD")),
              stripeCustomerId: opt(text()),
              stripeSubscriptionId: opt(text()),
              idempotencyKey: opt(text([fc.uuid()])),
            },
            { requiredKeys: [] },
          ),
        ),
      }),
    token: () => w.keys.store,
  },
  {
    name: "redeemInstallCode",
    query: `mutation($input: RedeemInstallCodeInput!) { redeemInstallCode(input: $input) { tenantId edition } }`,
    variables: () =>
      fc.record({ input: field(fc.record({ installCode: field(code()), applianceId: field(applianceId()), tenantId: opt(uuid()) }, { requiredKeys: [] })) }),
    token: () => undefined,
  },
  {
    name: "reissueInstallCode",
    query: `mutation($input: ReissueInstallCodeInput!) { reissueInstallCode(input: $input) { tenantId installCode } }`,
    variables: () => fc.record({ input: field(fc.record({ contactEmail: opt(email()), tenantId: opt(uuid()) }, { requiredKeys: [] })) }),
    token: () => w.keys.store,
  },
  {
    name: "checkIn",
    query: `mutation($input: CheckInInput!) { checkIn(input: $input) { token tenantId } }`,
    variables: () =>
      fc.record({
        input: field(fc.record({ applianceId: field(text([fc.constant(known.applianceId)])), applianceVersion: opt(text()) }, { requiredKeys: [] })),
      }),
    token: () => known.credential,
  },
  {
    name: "suspendTenant",
    query: `mutation($tenantId: ID!, $reason: String) { suspendTenant(tenantId: $tenantId, reason: $reason) { id status } }`,
    variables: () => fc.record({ tenantId: field(uuid()), reason: opt(text()) }, { requiredKeys: [] }),
    token: () => w.keys.admin,
  },
  {
    name: "reactivateTenant",
    query: `mutation($tenantId: ID!) { reactivateTenant(tenantId: $tenantId) { id status } }`,
    variables: () => fc.record({ tenantId: field(uuid()) }, { requiredKeys: [] }),
    token: () => w.keys.admin,
  },
  {
    name: "revokeApplianceCredential",
    query: `mutation($applianceId: String!, $tenantId: ID) { revokeApplianceCredential(applianceId: $applianceId, tenantId: $tenantId) { id } }`,
    variables: () => fc.record({ applianceId: field(applianceId()), tenantId: opt(uuid()) }, { requiredKeys: [] }),
    token: () => w.keys.admin,
  },
  {
    name: "revokeInstallCode",
    query: `mutation($id: ID!) { revokeInstallCode(installCodeId: $id) { id state } }`,
    variables: () => fc.record({ id: field(uuid()) }, { requiredKeys: [] }),
    token: () => w.keys.admin,
  },
  {
    name: "installCodeStatus",
    query: `query($code: String!) { installCodeStatus(installCode: $code) { state tenantId } }`,
    variables: () => fc.record({ code: field(code()) }, { requiredKeys: [] }),
    token: () => undefined,
  },
  {
    name: "tenants (search, cursor)",
    query: `query($search: String, $after: String, $first: Int) { tenants(first: $first, after: $after, filter: { search: $search }) { totalCount edges { node { id } } } }`,
    variables: () =>
      fc.record(
        { search: opt(text()), after: opt(text([fc.base64String({ maxLength: 40 })])), first: opt(fc.integer({ min: -10, max: 2_000_000_000 })) },
        { requiredKeys: [] },
      ),
    token: () => w.keys.support,
  },
];

/** Everything a refused call could have written (rate-limit windows and outbox delivery state aside). */
async function fingerprint(): Promise<string> {
  const { rows } = await w.db.pool.query<{ f: string }>(`SELECT md5(concat_ws('|',
    (SELECT string_agg(tenant_id::text || status::text || revision || company_name || contact_email, ',' ORDER BY tenant_id) FROM tenant_registry),
    (SELECT count(*) FROM entitlement),
    (SELECT string_agg(id::text || coalesce(consumed_at::text, '-') || coalesce(revoked_at::text, '-'), ',' ORDER BY id) FROM install_code),
    (SELECT string_agg(id::text || coalesce(credential_revoked_at::text, '-') || coalesce(license_jti, '-'), ',' ORDER BY id) FROM appliance),
    (SELECT count(*) FROM audit_event), (SELECT count(*) FROM email_outbox), (SELECT count(*) FROM idempotency_key),
    (SELECT count(*) FROM api_key WHERE revoked_at IS NULL))) AS f`);
  return rows[0]!.f;
}

/** What is wrong with an answer (empty: data, or a contract error with a JSON body and no stack). */
function answerProblems(a: Answer): string[] {
  const problems: string[] = [];
  if (a.status >= 500 && !(a.status === 503 && (a.kind === "SERVICE_BUSY" || a.kind === "SERVICE_UNAVAILABLE"))) problems.push(`HTTP ${a.status}`);
  if (a.raw !== undefined) problems.push(`not JSON: ${a.raw.slice(0, 120)}`);
  for (const e of a.errors ?? []) {
    const c = String(e.extensions?.code);
    if (!CONTRACT.has(c)) problems.push(`code ${c}: ${e.message}`);
    if (/\n\s+at |stack|\.ts:\d|\.js:\d/i.test(JSON.stringify(e))) problems.push(`stack or source in the answer: ${e.message.slice(0, 120)}`);
  }
  return problems;
}

let caller = 0;
test(`fast-check, ${RUNS} runs per operation: data or a contract error code, never INTERNAL_SERVER_ERROR; a refused call writes no row`, async () => {
  const rows: Record<string, string | number>[] = [];
  const failures: string[] = [];
  for (const op of OPERATIONS) {
    const kinds: string[] = [];
    let refusedWrites = 0;
    const result = await fc.check(
      fc.asyncProperty(op.variables(), async (variables) => {
        const before = await fingerprint();
        const a = await gql(url, op.query, variables, { token: op.token(), clientAddress: clientAddress(++caller) });
        kinds.push(a.kind);
        const problems = answerProblems(a);
        if (a.kind !== "ok" && (await fingerprint()) !== before) {
          refusedWrites++;
          problems.push(`refused (${a.kind}) but wrote a row`);
        }
        if (problems.length) throw new Error(problems.join("; "));
      }),
      { numRuns: RUNS, endOnFailure: false },
    );
    if (result.failed) failures.push(`${op.name}: ${fc.defaultReportMessage(result)}`);
    rows.push({
      operation: op.name,
      runs: kinds.length,
      answers: describeTally(tally(kinds)),
      "refused calls that wrote": refusedWrites,
      verdict: result.failed ? "FAILED" : "ok",
    });
  }
  table(`Property pass (fast-check, ${RUNS} runs per operation, one replica)`, rows);
  expect(failures).toEqual([]);
});

// ---- hand-written ---------------------------------------------------------------------------
const ofType = (levels: number) => `${"ofType {".repeat(levels)} name ${"}".repeat(levels)}`;
const nested = (levels: number) => `{ ${"a {".repeat(levels)} b ${"}".repeat(levels)} }`;
/** a request body whose variable `s` is a list nested `levels` deep (written out: JSON.stringify would overflow here) */
const deepVariables = (query: string, levels: number) => `{"query":${JSON.stringify(query)},"variables":{"s":${"[".repeat(levels)}"x"${"]".repeat(levels)}}}`;
const SEARCH = `query($s: String) { tenants(filter: { search: $s }) { totalCount } }`;

interface Case {
  name: string;
  query?: string;
  variables?: unknown;
  body?: string;
  token?: "store" | "support" | "admin";
  /** the code the answer must carry (default: any contract code) */
  expect?: string;
  /** rows that must not exist afterwards */
  noRows?: string;
}

const CASES: Case[] = [
  { name: "introspection __type{ofType{…}} 100 levels", query: `{ __type(name: "Query") { ${ofType(100)} } }`, expect: "BAD_USER_INPUT" },
  {
    name: "introspection __schema types fields type ofType… 30 levels",
    query: `{ __schema { types { fields { type { ${ofType(30)} } } } } }`,
    expect: "BAD_USER_INPUT",
  },
  { name: "selection nested 5,000 levels", query: nested(5000), token: "support", expect: "BAD_USER_INPUT" },
  { name: "selection nested 30,000 levels", query: nested(30000), token: "support", expect: "BAD_USER_INPUT" },
  {
    name: "list literal nested 5,000 levels",
    query: `{ tenants(filter: { status: ${"[".repeat(5000)}ACTIVE${"]".repeat(5000)} }) { totalCount } }`,
    token: "support",
    expect: "BAD_USER_INPUT",
  },
  { name: "variables: a list nested 5,000 levels", body: deepVariables(SEARCH, 5000), token: "support", expect: "BAD_USER_INPUT" },
  { name: "variables: a list nested 40,000 levels", body: deepVariables(SEARCH, 40000), token: "support", expect: "BAD_USER_INPUT" },
  {
    name: "20 aliased registerTenant in one request",
    query: `mutation { ${Array.from({ length: 20 }, (_, i) => `r${i}: registerTenant(input: { companyName: "Alias ${i}", contactEmail: "alias-${i}@example.test", edition: PRO }) { tenantId }`).join(" ")} }`,
    token: "store",
    expect: "BAD_USER_INPUT",
    noRows: `SELECT 1 FROM tenant_registry WHERE company_name LIKE 'Alias %'`,
  },
  {
    name: "two mutations through fragments",
    query: `mutation { ...A ...B } fragment A on Mutation { a: registerTenant(input: { companyName: "FragA", contactEmail: "fa@example.test", edition: PRO }) { tenantId } } fragment B on Mutation { b: registerTenant(input: { companyName: "FragB", contactEmail: "fb@example.test", edition: PRO }) { tenantId } }`,
    token: "store",
    expect: "BAD_USER_INPUT",
    noRows: `SELECT 1 FROM tenant_registry WHERE company_name LIKE 'Frag%'`,
  },
  { name: "fragment cycle", query: `query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }`, token: "support", expect: "BAD_USER_INPUT" },
  { name: "6,000 tokens", query: `{ ${Array.from({ length: 3000 }, (_, i) => `a${i}: __typename`).join(" ")} }`, expect: "BAD_USER_INPUT" },
  {
    name: "400 aliases of one field",
    query: `{ ${Array.from({ length: 400 }, (_, i) => `t${i}: tenants(first: 1) { totalCount }`).join(" ")} }`,
    token: "support",
    expect: "BAD_USER_INPUT",
  },
  {
    name: "NUL in a string literal (escaped)",
    query: `mutation { registerTenant(input: { companyName: "a\\u0000b", contactEmail: "nul@example.test", edition: PRO }) { tenantId } }`,
    token: "store",
    expect: "BAD_USER_INPUT",
  },
  {
    name: "lone surrogate in a string literal (escaped)",
    query: `mutation { registerTenant(input: { companyName: "a\\ud800b", contactEmail: "ls@example.test", edition: PRO }) { tenantId } }`,
    token: "store",
    expect: "BAD_USER_INPUT",
  },
  {
    name: "lone surrogate in a variable key",
    query: `query { __typename }`,
    body: `{"query":"query { __typename }","variables":{"\\ud800":"x"}}`,
    expect: "BAD_USER_INPUT",
  },
  {
    name: "NUL in the search",
    query: `query($s: String) { tenants(filter: { search: $s }) { totalCount } }`,
    variables: { s: "a\u0000" },
    token: "support",
    expect: "BAD_USER_INPUT",
  },
  {
    name: "__proto__ in variables",
    query: `mutation($input: RegisterTenantInput!) { registerTenant(input: $input) { tenantId } }`,
    body: `{"query":"mutation($input: RegisterTenantInput!) { registerTenant(input: $input) { tenantId } }","variables":{"input":{"__proto__":{"companyName":"Proto"},"contactEmail":"p@example.test","edition":"PRO"}}}`,
    token: "store",
  },
  { name: "batched request (array body)", body: JSON.stringify(Array.from({ length: 10 }, () => ({ query: "{ __typename }" }))) },
  { name: "query is a number", body: `{"query": 5}` },
  { name: "query missing", body: `{"variables": {}}` },
  { name: "body not JSON", body: `{"query": "{ __typename }"` },
  { name: "body 200 kb (over BODY_LIMIT)", body: JSON.stringify({ query: `{ __typename }`, variables: { x: "y".repeat(200_000) } }), expect: "BAD_USER_INPUT" },
  { name: "Int overflow", query: `{ tenants(first: 99999999999) { totalCount } }`, token: "support", expect: "BAD_USER_INPUT" },
  { name: "garbage cursor", query: `{ tenants(first: 2, after: "!!!not-a-cursor") { totalCount } }`, token: "support", expect: "BAD_USER_INPUT" },
  { name: "tenant(id:) not a UUID", query: `{ tenant(id: "1 OR 1=1") { id } }`, token: "support" },
  { name: "several operations without operationName", query: `query A { __typename } query B { __typename }`, expect: "BAD_USER_INPUT" },
  { name: "directive flood", query: `{ __typename ${"@skip(if: false) ".repeat(500)}}`, expect: "BAD_USER_INPUT" },
  { name: "subscription operation", query: `subscription { __typename }`, expect: "BAD_USER_INPUT" },
];

test(`hand-written bad input (${CASES.length} cases): a contract error, no 5xx, no stack, nothing written`, async () => {
  const rows: Record<string, string | number>[] = [];
  const problems: string[] = [];
  for (const c of CASES) {
    const token = c.token ? w.keys[c.token] : undefined;
    const before = await fingerprint();
    const a = await gql(url, c.query ?? "", c.variables, { token, body: c.body, clientAddress: clientAddress(++caller) });
    const p = answerProblems(a);
    if (a.kind === "ok" && c.expect) p.push("answered with data");
    if (c.expect && a.kind !== "ok" && a.kind !== c.expect) p.push(`expected ${c.expect}, got ${a.kind}`);
    if (a.kind !== "ok" && (await fingerprint()) !== before) p.push("refused but wrote a row");
    if (c.noRows && (await w.db.pool.query(c.noRows)).rowCount) p.push("rows were created");
    // an internal error's detail is in the replica's log, under the answer's request id
    if (a.kind === "INTERNAL_SERVER_ERROR")
      for (const l of w.replicas[0]!.logs().filter((l) => l.requestId === a.requestId && l.err)) p.push(`logged: ${l.err!.message}`);
    rows.push({
      case: c.name,
      status: a.status,
      answer: a.kind,
      reason: String(a.errors?.[0]?.extensions?.reason ?? ""),
      verdict: p.length ? p.join("; ") : "ok",
    });
    problems.push(...p.map((x) => `${c.name}: ${x}`));
  }
  // the replica is still alive after all of it
  const alive = await gql(url, `{ __typename }`);
  table("Hand-written bad input (one replica)", rows, [`Replica answers afterwards: ${alive.kind}.`]);
  expect(alive.kind).toBe("ok");
  expect(problems).toEqual([]);
});
