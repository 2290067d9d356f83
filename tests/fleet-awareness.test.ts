// Fleet awareness end to end, on a real API with real PostgreSQL, SMTP and an HTTP receiver: appliance
// health (judged by the sweep, audited, queryable, in /metrics), notices to the customer's contact,
// and signed events to the vendor's systems (verified with the Standard Webhooks reference package),
// with retries, FAILED, redelivery, secret rotation and seat release.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { Webhook } from "standardwebhooks";
import { redeemInstallCode } from "../api/src/domain/redeem-install-code.js";
import { systemActor } from "../api/src/domain/principal.js";
import { codeOf, CHECK_IN, REDEEM, REGISTER, REISSUE, startTestPlane, type TestPlane } from "./helpers/control-plane.js";
import { eventually } from "./helpers/eventually.js";
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from "./helpers/webhook-receiver.js";

const ALL = [
  "tenant.registered",
  "install_code.redeemed",
  "appliance.health_changed",
  "appliance.credential_retired",
  "entitlement.changed",
  "seat_limit.reached",
];
let t: TestPlane;
let rx: WebhookReceiver;
let secret: string;

const uid = () => randomUUID().slice(0, 8);
const admin = <T = any>(q: string, v?: Record<string, unknown>) => t.gql<T>(q, v, { token: t.keys.admin });
const sql = async <T = any>(text: string, params: unknown[] = []) => (await t.plane.pool.query(text, params)).rows as T[];

const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { id url events enabled } } }`;

interface Event {
  raw: ReceivedWebhook;
  type: string;
  data: Record<string, any>;
}
const parsed = (path: string): Event[] =>
  rx.received
    .filter((r) => r.path === path)
    .map((raw) => {
      const body = JSON.parse(raw.body);
      return { raw, type: body.type, data: body.data };
    });
/** the event of `type` about `tenantId` at `path`, once received (verified against `key`) */
async function eventFor(path: string, type: string, match: (data: Record<string, any>) => boolean, key = secret, timeoutMs = 15_000): Promise<Event> {
  const found = await eventually(
    async () => parsed(path).find((e) => e.type === type && match(e.data)),
    (e) => e !== undefined,
    timeoutMs,
  );
  if (!found)
    throw new Error(
      `no ${type} event at ${path} (got ${parsed(path)
        .map((e) => e.type)
        .join(", ")})`,
    );
  // the receiver's check, with the specification's own package
  expect(new Webhook(key).verify(found.raw.body, found.raw.headers)).toEqual(JSON.parse(found.raw.body));
  return found;
}

async function tenantWithAppliance(applianceId = `box-${uid()}`) {
  const contactEmail = `fleet-${uid()}@x.test`;
  const reg = (await t.gql(REGISTER, { input: { companyName: `Fleet ${uid()}`, contactEmail, edition: "PRO" } }, { token: t.keys.store })).data.registerTenant;
  const red = (
    await t.gql(
      REDEEM,
      { input: { installCode: reg.installCode, applianceId } },
      { clientAddress: `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}` },
    )
  ).data.redeemInstallCode;
  return { tenantId: reg.tenantId as string, applianceId, contactEmail, credential: red.applianceCredential as string, installCode: reg.installCode as string };
}
const healthOf = async (tenantId: string, applianceId: string) =>
  (await sql<{ health: string | null }>(`SELECT health FROM appliance WHERE tenant_id = $1 AND appliance_id = $2`, [tenantId, applianceId]))[0]?.health ?? null;

beforeAll(async () => {
  rx = await startWebhookReceiver();
  t = await startTestPlane({
    FLEET_SWEEP_INTERVAL_MS: "150",
    WEBHOOK_POLL_MS: "100",
    WEBHOOK_RETRY_BASE_MS: "100",
    WEBHOOK_MAX_ATTEMPTS: "3",
    SEAT_RELEASE_AFTER_DAYS: "1",
    LOG_LEVEL: "warn",
  });
  const created = await admin(CREATE, { input: { url: `${rx.url}/all`, events: ALL, description: "every event" } });
  expect(created.errors).toBeUndefined();
  secret = created.data.createWebhookEndpoint.secret;
});
afterAll(async () => {
  await t?.stop();
  await rx?.stop();
});

describe("webhook endpoints", () => {
  it("are an admin's: others are FORBIDDEN, bad URLs and events BAD_USER_INPUT naming the field, secrets whsec_ and never stored in clear", async () => {
    const input = { url: `${rx.url}/x`, events: ["tenant.registered"] };
    expect(codeOf(await t.gql(CREATE, { input }, { token: t.keys.support }))).toBe("FORBIDDEN");
    expect(codeOf(await t.gql(CREATE, { input }, { token: t.keys.store }))).toBe("FORBIDDEN");
    expect(codeOf(await t.gql(`{ webhookEndpoints { id } }`, {}, { token: t.keys.support }))).toBe("FORBIDDEN");
    for (const url of ["file:///etc/passwd", "gopher://x/", "ftp://x/", "not a url", "http://user:pw@example.com/hook"]) {
      const r = await admin(CREATE, { input: { ...input, url } });
      expect(r.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "url" });
    }
    for (const events of [[], ["tenant.deleted"]]) {
      expect((await admin(CREATE, { input: { ...input, events } })).errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "events" });
    }
    const ok = await admin(CREATE, { input });
    expect(ok.data.createWebhookEndpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const stored = await sql(`SELECT sealed_secret FROM webhook_endpoint WHERE id = $1`, [ok.data.createWebhookEndpoint.endpoint.id]);
    expect(stored[0].sealed_secret).not.toContain(ok.data.createWebhookEndpoint.secret.slice(6));
    const list = await admin(`{ webhookEndpoints { id url events enabled } }`);
    expect(list.data.webhookEndpoints.map((e: { url: string }) => e.url)).toEqual(expect.arrayContaining([`${rx.url}/all`, `${rx.url}/x`]));
    const audit = await sql(`SELECT action FROM audit_event WHERE action LIKE 'webhook_endpoint.%'`);
    expect(audit.map((a) => a.action)).toContain("webhook_endpoint.created");
    // nothing but whsec_ secrets in the payload, never in the audit trail
    expect(JSON.stringify(await sql(`SELECT details FROM audit_event`))).not.toContain(ok.data.createWebhookEndpoint.secret);
  });
});

describe("events", () => {
  it("registration and redemption are sent signed, in the transaction of the change", async () => {
    const a = await tenantWithAppliance();
    const reg = await eventFor("/all", "tenant.registered", (d) => d.tenantId === a.tenantId);
    expect(reg.data).toMatchObject({ tenantId: a.tenantId, edition: "PRO", deploymentType: "APPLIANCE" });
    expect(reg.raw.headers["webhook-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(Math.abs(Number(reg.raw.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(60);
    const red = await eventFor("/all", "install_code.redeemed", (d) => d.tenantId === a.tenantId);
    expect(red.data).toMatchObject({ applianceId: a.applianceId, edition: "PRO", reinstalled: false });
    // a refused change sends nothing: a second redemption of the same code is CONSUMED_INSTALL_CODE
    expect(codeOf(await t.gql(REDEEM, { input: { installCode: a.installCode, applianceId: `other-${uid()}` } }, { clientAddress: "10.7.0.1" }))).toBe(
      "CONSUMED_INSTALL_CODE",
    );
    const rows = await sql(
      `SELECT d.event_type FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint_id WHERE d.tenant_id = $1 AND e.url = $2 ORDER BY d.created_at`,
      [a.tenantId, `${rx.url}/all`],
    );
    expect(rows.map((r) => r.event_type)).toEqual(["tenant.registered", "install_code.redeemed"]);
  });

  it("health: OVERDUE, then DARK, then HEALTHY again — audited, sent, queryable, in /metrics; one overdue notice", async () => {
    const a = await tenantWithAppliance();
    // the first judgement is a baseline (no event)
    await eventually(
      () => healthOf(a.tenantId, a.applianceId),
      (h) => h === "HEALTHY",
    );
    await sql(`UPDATE appliance SET last_check_in_at = now() - interval '100 hours' WHERE tenant_id = $1`, [a.tenantId]);
    const overdue = await eventFor("/all", "appliance.health_changed", (d) => d.tenantId === a.tenantId && d.to === "OVERDUE");
    expect(overdue.data).toMatchObject({ applianceId: a.applianceId, from: "HEALTHY", to: "OVERDUE" });

    const q = await t.gql(
      `query($id: ID!) { tenant(id: $id) { appliances { applianceId health healthChangedAt } } }`,
      { id: a.tenantId },
      { token: t.keys.support },
    );
    expect(q.data.tenant.appliances[0]).toMatchObject({ applianceId: a.applianceId, health: "OVERDUE" });
    const fleet = await t.gql(
      `{ overdueAppliances(first: 500) { edges { node { applianceId health tenant { id contactEmail } } } } }`,
      {},
      { token: t.keys.support },
    );
    expect(fleet.data.overdueAppliances.edges.map((e: any) => e.node)).toContainEqual({
      applianceId: a.applianceId,
      health: "OVERDUE",
      tenant: { id: a.tenantId, contactEmail: a.contactEmail },
    });
    expect(codeOf(await t.gql(`{ overdueAppliances { edges { node { id } } } }`, {}, { token: t.keys.store }))).toBe("FORBIDDEN");
    // the store CLI (compiled) lists it too
    const cli = await promisify(execFile)(process.execPath, ["store-client/dist/cli/main.js", "overdue", "--first", "500", "--json"], {
      env: { ...process.env, ALGA_LICENSE_URL: t.url, ALGA_LICENSE_API_KEY: t.keys.support },
    });
    const listed = JSON.parse(cli.stdout).edges.map((e: any) => e.node);
    expect(listed).toContainEqual(
      expect.objectContaining({ applianceId: a.applianceId, health: "OVERDUE", tenant: expect.objectContaining({ id: a.tenantId }) }),
    );
    const human = await promisify(execFile)(process.execPath, ["store-client/dist/cli/main.js", "overdue", "--first", "500"], {
      env: { ...process.env, ALGA_LICENSE_URL: t.url, ALGA_LICENSE_API_KEY: t.keys.support },
    });
    expect(human.stdout).toContain(`OVERDUE  ${a.applianceId}  (`);

    const mail = await t.smtp.waitFor((m) => !!m.subject?.startsWith(`Alga appliance ${a.applianceId} of `) && (m.to as any).text === a.contactEmail);
    expect(mail.text).toContain(`The appliance ${a.applianceId} has not reached the licensing service since`);
    expect(mail.text).toContain("alga-check-in");

    await sql(`UPDATE appliance SET license_expires_at = now() - interval '1 hour' WHERE tenant_id = $1`, [a.tenantId]);
    await eventFor("/all", "appliance.health_changed", (d) => d.tenantId === a.tenantId && d.to === "DARK");
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/alga_license_appliances\{health="DARK"\} [1-9]/);
    expect(metrics).toMatch(/alga_license_webhook_deliveries\{status="PENDING"\} \d+/);

    // a check-in renews it: HEALTHY again
    expect(codeOf(await t.gql(CHECK_IN, { input: { applianceId: a.applianceId } }, { token: a.credential }))).toBeUndefined();
    await eventFor("/all", "appliance.health_changed", (d) => d.tenantId === a.tenantId && d.from === "DARK" && d.to === "HEALTHY");

    // many sweeps later: the overdue episode was noticed once, each change audited once
    const audits = await sql(`SELECT details->>'to' AS "to" FROM audit_event WHERE tenant_id = $1 AND action = 'appliance.health_changed' ORDER BY seq`, [
      a.tenantId,
    ]);
    expect(audits.map((r) => r.to)).toEqual(["OVERDUE", "DARK", "HEALTHY"]);
    expect(t.smtp.messages.filter((m) => (m.to as any).text === a.contactEmail && m.subject?.includes("has not checked in"))).toHaveLength(1);
    expect(await sql(`SELECT kind FROM notice WHERE tenant_id = $1`, [a.tenantId])).toEqual([{ kind: "appliance_overdue" }]);
  });

  it("an entitlement past due is sent as entitlement.changed and noticed once, with the way out", async () => {
    const a = await tenantWithAppliance();
    const r = await admin(`mutation($input: MarkEntitlementPastDueInput!) { markEntitlementPastDue(input: $input) { changed } }`, {
      input: { tenantId: a.tenantId },
    });
    expect(r.errors).toBeUndefined();
    const e = await eventFor("/all", "entitlement.changed", (d) => d.tenantId === a.tenantId && d.action === "entitlement.past_due");
    expect(e.data.entitlementId).toMatch(/^[0-9a-f-]{36}$/);
    const mail = await t.smtp.waitFor((m) => (m.to as any).text === a.contactEmail && !!m.subject?.startsWith("Payment overdue"));
    expect(mail.text).toContain("Pay the open invoice or update the payment method");
    expect(await sql(`SELECT kind FROM notice WHERE tenant_id = $1`, [a.tenantId])).toEqual([{ kind: "entitlement_past_due" }]);
    expect(await sql(`SELECT kind FROM email_outbox WHERE tenant_id = $1 AND kind LIKE 'notice.%'`, [a.tenantId])).toEqual([
      { kind: "notice.entitlement_past_due" },
    ]);
  });

  it("a paid license ending soon with no renewal is noticed once", async () => {
    const a = await tenantWithAppliance();
    const validUntil = new Date(Date.now() + 5 * 86_400_000);
    const r = await admin(`mutation($input: ExtendEntitlementInput!) { extendEntitlement(input: $input) { changed } }`, {
      input: { tenantId: a.tenantId, validUntil: validUntil.toISOString() },
    });
    expect(r.errors).toBeUndefined();
    await eventFor("/all", "entitlement.changed", (d) => d.tenantId === a.tenantId && d.action === "entitlement.extended");
    const mail = await t.smtp.waitFor((m) => (m.to as any).text === a.contactEmail && !!m.subject?.includes("license for"));
    expect(mail.subject).toContain(`ends on ${validUntil.toISOString().slice(0, 10)}`);
    expect(mail.text).toContain("Contact your vendor to renew");
  });

  it("a seat limit met is sent: seat_limit.reached and appliance.credential_retired (retire-oldest), and seat_limit.reached alone when refused", async () => {
    const a = await tenantWithAppliance();
    const code = (await t.gql(REISSUE, { input: { tenantId: a.tenantId } }, { token: t.keys.store })).data.reissueInstallCode.installCode;
    const second = `box-${uid()}`;
    expect(codeOf(await t.gql(REDEEM, { input: { installCode: code, applianceId: second } }, { clientAddress: "10.8.0.1" }))).toBeUndefined();
    const reached = await eventFor("/all", "seat_limit.reached", (d) => d.tenantId === a.tenantId);
    expect(reached.data).toMatchObject({ seats: 1, applianceId: second, outcome: "retired-oldest", retiredApplianceIds: [a.applianceId] });
    const retired = await eventFor("/all", "appliance.credential_retired", (d) => d.tenantId === a.tenantId);
    expect(retired.data).toMatchObject({ applianceId: a.applianceId, reason: "seat-limit", replacedBy: second });

    // SEAT_OVERFLOW=refuse: the redemption writes nothing, the limit is still recorded and sent
    const next = (await t.gql(REISSUE, { input: { tenantId: a.tenantId } }, { token: t.keys.store })).data.reissueInstallCode.installCode;
    const refusing = { ...t.plane.services, entitlements: { ...t.plane.services.entitlements, seatOverflow: "refuse" as const } };
    await expect(redeemInstallCode(refusing, systemActor("test", "r1"), { installCode: next, applianceId: `box-${uid()}` })).rejects.toMatchObject({
      code: "SEAT_LIMIT_REACHED",
    });
    const refused = await eventFor("/all", "seat_limit.reached", (d) => d.tenantId === a.tenantId && d.outcome === "refused");
    expect(refused.data.seats).toBe(1);
  });

  it("an appliance DARK for SEAT_RELEASE_AFTER_DAYS loses its credential (audited, sent); its check-in is then refused", async () => {
    const a = await tenantWithAppliance();
    await eventually(
      () => healthOf(a.tenantId, a.applianceId),
      (h) => h === "HEALTHY",
    );
    await sql(
      `UPDATE appliance SET license_expires_at = now() - interval '3 days', last_check_in_at = now() - interval '33 days', health = 'DARK', health_changed_at = now() - interval '2 days' WHERE tenant_id = $1`,
      [a.tenantId],
    );
    const e = await eventFor("/all", "appliance.credential_retired", (d) => d.tenantId === a.tenantId && d.reason === "dark");
    expect(e.data).toMatchObject({ applianceId: a.applianceId, darkSince: expect.any(String) });
    const rows = await sql(`SELECT credential_revoked_reason AS reason, health FROM appliance WHERE tenant_id = $1`, [a.tenantId]);
    expect(rows).toEqual([{ reason: "dark", health: null }]);
    expect(codeOf(await t.gql(CHECK_IN, { input: { applianceId: a.applianceId } }, { token: a.credential }))).toBe("UNAUTHENTICATED");
  });
});

describe("deliveries", () => {
  const DELIVERIES = `query($id: ID) { webhookDeliveries(endpointId: $id) { id eventType status attempts lastError payload attemptLog { attempt statusCode error durationMs } } }`;

  it("a failing receiver is retried with backoff, parked FAILED with its attempts, and redelivered by an admin", async () => {
    rx.status.set("/broken", 500);
    const created = await admin(CREATE, { input: { url: `${rx.url}/broken`, events: ["tenant.registered"] } });
    const id = created.data.createWebhookEndpoint.endpoint.id;
    const key = created.data.createWebhookEndpoint.secret;
    await t.gql(REGISTER, { input: { companyName: `Broken ${uid()}`, contactEmail: `b-${uid()}@x.test`, edition: "ESSENTIALS" } }, { token: t.keys.store });
    const failed = await eventually(
      async () => (await admin(DELIVERIES, { id })).data.webhookDeliveries,
      (d: any[]) => d[0]?.status === "FAILED",
      20_000,
    );
    expect(failed[0]).toMatchObject({ eventType: "tenant.registered", status: "FAILED", attempts: 3, lastError: "HTTP 500" });
    expect(failed[0].attemptLog.map((a: any) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 500],
    ]);
    const hits = rx.received.filter((r) => r.path === "/broken");
    expect(hits).toHaveLength(3);
    // the same webhook-id on every attempt; waits grow (100 ms, then 200 ms, ±20%)
    expect(new Set(hits.map((h) => h.headers["webhook-id"]))).toEqual(new Set([failed[0].id]));
    expect(hits[1]!.at - hits[0]!.at).toBeGreaterThanOrEqual(70);
    expect(hits[2]!.at - hits[1]!.at).toBeGreaterThanOrEqual(150);

    rx.status.set("/broken", 200);
    const again = await admin(`mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id status attempts } }`, { id: failed[0].id });
    // due at once: the worker may already have claimed it when the answer is read
    expect(again.errors).toBeUndefined();
    expect(again.data.redeliverWebhook.id).toBe(failed[0].id);
    const delivered = await eventually(
      async () => (await admin(DELIVERIES, { id })).data.webhookDeliveries[0],
      (d: any) => d.status === "DELIVERED",
    );
    expect(delivered.attemptLog.map((a: any) => a.statusCode)).toEqual([500, 500, 500, 200]);
    expect(delivered.attempts).toBe(1); // a fresh count after the redelivery
    const last = rx.received.filter((r) => r.path === "/broken").at(-1)!;
    expect(last.body).toBe(failed[0].payload);
    expect(() => new Webhook(key).verify(last.body, last.headers)).not.toThrow();
    expect(codeOf(await t.gql(`mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }`, { id: failed[0].id }, { token: t.keys.support }))).toBe(
      "FORBIDDEN",
    );
    expect((await admin(`mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { id } }`, { id: randomUUID() })).errors![0]!.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "deliveryId",
    });
  });

  it("a redirect is not followed; a rotated secret signs beside the previous one; a disabled endpoint gets nothing more", async () => {
    rx.status.set("/moved", 302);
    const moved = await admin(CREATE, { input: { url: `${rx.url}/moved`, events: ["tenant.registered"] } });
    const rot = await admin(CREATE, { input: { url: `${rx.url}/rot`, events: ["tenant.registered"] } });
    const id = rot.data.createWebhookEndpoint.endpoint.id;
    const oldKey = rot.data.createWebhookEndpoint.secret;
    const rotated = await admin(`mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret endpoint { previousSecretValidUntil } } }`, { id });
    const newKey = rotated.data.rotateWebhookEndpointSecret.secret;
    expect(newKey).not.toBe(oldKey);
    const reg = (
      await t.gql(REGISTER, { input: { companyName: `Rot ${uid()}`, contactEmail: `r-${uid()}@x.test`, edition: "ESSENTIALS" } }, { token: t.keys.store })
    ).data.registerTenant;
    const e = await eventFor("/rot", "tenant.registered", (d) => d.tenantId === reg.tenantId, newKey);
    expect(() => new Webhook(oldKey).verify(e.raw.body, e.raw.headers)).not.toThrow();
    const redirected = await eventually(
      async () => (await admin(DELIVERIES, { id: moved.data.createWebhookEndpoint.endpoint.id })).data.webhookDeliveries[0],
      (d: any) => d?.attempts >= 1 && d.lastError,
    );
    expect(redirected.lastError).toBe("redirect 302 (not followed)");

    const off = await admin(`mutation($id: ID!) { disableWebhookEndpoint(id: $id) { enabled disabledAt } }`, { id });
    expect(off.data.disableWebhookEndpoint.enabled).toBe(false);
    const before = rx.received.filter((r) => r.path === "/rot").length;
    const reg2 = (
      await t.gql(REGISTER, { input: { companyName: `Rot ${uid()}`, contactEmail: `r-${uid()}@x.test`, edition: "ESSENTIALS" } }, { token: t.keys.store })
    ).data.registerTenant;
    await eventFor("/all", "tenant.registered", (d) => d.tenantId === reg2.tenantId);
    expect(await sql(`SELECT count(*)::int AS n FROM webhook_delivery WHERE endpoint_id = $1 AND tenant_id = $2`, [id, reg2.tenantId])).toEqual([{ n: 0 }]);
    expect(rx.received.filter((r) => r.path === "/rot").length).toBe(before);
    const refused = await admin(`mutation($id: ID!) { rotateWebhookEndpointSecret(id: $id) { secret } }`, { id });
    expect(refused.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "id" });
  });
});
