// DEAD mail: an admin lists what the outbox gave up on and sends one again (audited), by GraphQL
// and with alga-store mail dead / mail retry ID.
import { codeOf, REGISTER, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { eventually } from "./helpers/eventually.js";
import { run } from "./helpers/processes.js";

let t: TestPlane;
beforeAll(async () => {
  t = await startTestPlane({ MAIL_MAX_ATTEMPTS: "1" });
});
afterAll(() => t.stop());

const DEAD_MAIL = `query($last: Int) { deadMail(last: $last) { id tenantId recipient kind status attempts lastError createdAt nextAttemptAt } }`;
const RETRY = `mutation($id: ID!) { retryDeadMail(input: { id: $id }) { id status attempts recipient } }`;

/** Registers a tenant while SMTP refuses mail: its install-code email dies after one attempt. */
async function deadEmail(company: string): Promise<{ tenantId: string; email: string; id: string }> {
  const email = `${company.toLowerCase().replace(/\W+/g, "-")}@dead.test`;
  t.smtp.refuse = true;
  try {
    const reg = await t.gql(REGISTER, { input: { companyName: company, contactEmail: email, edition: "PRO" } }, { token: t.keys.store });
    const row = await eventually(
      () => t.plane.services.prisma.emailOutbox.findFirst({ where: { recipient: email } }),
      (r) => r?.status === "DEAD",
      20_000,
    );
    expect(row?.status).toBe("DEAD");
    return { tenantId: reg.data.registerTenant.tenantId, email, id: row!.id };
  } finally {
    t.smtp.refuse = false;
  }
}

describe("GraphQL", () => {
  it("deadMail lists DEAD email for admins only; retryDeadMail sends it again, audited", async () => {
    const dead = await deadEmail("Dead Letter Co");
    const list = await t.gql(DEAD_MAIL, {}, { token: t.keys.admin });
    expect(list.errors).toBeUndefined();
    expect(list.data.deadMail).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: dead.id,
          tenantId: dead.tenantId,
          recipient: dead.email,
          kind: expect.any(String),
          status: "DEAD",
          attempts: 1,
          lastError: expect.stringMatching(/451/),
        }),
      ]),
    );
    expect(codeOf(await t.gql(DEAD_MAIL, {}, { token: t.keys.support }))).toBe("FORBIDDEN");
    expect(codeOf(await t.gql(DEAD_MAIL, {}, { token: t.keys.store }))).toBe("FORBIDDEN");
    expect(codeOf(await t.gql(DEAD_MAIL))).toBe("UNAUTHENTICATED");
    expect(codeOf(await t.gql(RETRY, { id: dead.id }, { token: t.keys.support }))).toBe("FORBIDDEN");

    const retried = await t.gql(RETRY, { id: dead.id }, { token: t.keys.admin });
    expect(retried.errors).toBeUndefined();
    expect(retried.data.retryDeadMail).toMatchObject({ id: dead.id, status: "PENDING", attempts: 0 });
    const mail = await t.smtp.waitFor((m) => (m.to && !Array.isArray(m.to) ? m.to.text : "").includes(dead.email));
    expect(mail.subject).toContain("Dead Letter Co");
    await eventually(
      () => t.plane.services.prisma.emailOutbox.findUniqueOrThrow({ where: { id: dead.id } }),
      (r) => r.status === "SENT",
    );
    const audit = await t.plane.pool.query(
      `SELECT principal_type, action, tenant_id, details FROM audit_event WHERE action = 'email.retried' AND details->>'emailId' = $1`,
      [dead.id],
    );
    expect(audit.rows).toEqual([
      {
        principal_type: "admin",
        action: "email.retried",
        tenant_id: dead.tenantId,
        details: expect.objectContaining({ emailId: dead.id, attempts: 1, lastError: expect.stringMatching(/451/) }),
      },
    ]);
    expect((await t.gql(DEAD_MAIL, {}, { token: t.keys.admin })).data.deadMail.map((m: { id: string }) => m.id)).not.toContain(dead.id);
  });

  it("refuses what cannot be retried with BAD_USER_INPUT and writes nothing", async () => {
    const sent = await t.plane.services.prisma.emailOutbox.findFirstOrThrow({ where: { status: "SENT" } });
    const notDead = await t.gql(RETRY, { id: sent.id }, { token: t.keys.admin });
    expect(codeOf(notDead)).toBe("BAD_USER_INPUT");
    expect(notDead.errors![0]!.message).toBe("This email is SENT, not DEAD.");
    expect(codeOf(await t.gql(RETRY, { id: "00000000-0000-4000-8000-000000000000" }, { token: t.keys.admin }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await t.gql(RETRY, { id: "not-a-uuid" }, { token: t.keys.admin }))).toBe("BAD_USER_INPUT");
    const over = await t.gql(DEAD_MAIL, { last: 501 }, { token: t.keys.admin });
    expect(codeOf(over)).toBe("BAD_USER_INPUT");
    expect(over.errors![0]!.extensions).toMatchObject({ field: "last", max: 500 });
    const audits = await t.plane.pool.query(`SELECT count(*)::int AS n FROM audit_event WHERE action = 'email.retried'`);
    expect(audits.rows[0].n).toBe(1); // only the retry of the first test
  });
});

describe("alga-store mail", () => {
  const cli = (args: string[], key = t.keys.admin) =>
    run(process.execPath, ["store-client/dist/cli/main.js", ...args], { ALGA_LICENSE_URL: t.url, ALGA_LICENSE_API_KEY: key });

  it("mail dead lists, mail retry ID sends again; --json for scripts", async () => {
    const dead = await deadEmail("Cli Dead Co");
    const list = await cli(["mail", "dead"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${dead.id}  `);
    expect(list.stdout).toContain(`to ${dead.email}`);
    expect(list.stdout).toMatch(/last error: .*451/);
    const json = JSON.parse((await cli(["mail", "dead", "--json", "--limit", "5"])).stdout) as { id: string }[];
    expect(json.map((m) => m.id)).toContain(dead.id);

    const retry = await cli(["mail", "retry", dead.id]);
    expect(retry.code).toBe(0);
    expect(retry.stdout).toContain(`Queued again: `);
    await t.smtp.waitFor((m) => (m.to && !Array.isArray(m.to) ? m.to.text : "").includes(dead.email));
    expect((await cli(["mail", "dead"])).stdout).not.toContain(dead.id);
  });

  it("usage: mail needs its command and retry its ID; a support key is refused", async () => {
    const bare = await cli(["mail"]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("missing command after mail: mail dead | retry");
    const noId = await cli(["mail", "retry"]);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toContain("ID is required");
    expect(noId.stderr).toContain("usage: alga-store mail retry ID [options]");
    const help = await cli(["--help"]);
    expect(help.stdout).toContain("mail (admin key):");
    expect(help.stdout).toMatch(/mail retry +ID/);
    const support = await cli(["mail", "dead"], t.keys.support);
    expect(support.stderr).toContain("FORBIDDEN");
  });
});
