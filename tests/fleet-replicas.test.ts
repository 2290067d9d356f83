// Two API processes on one database, both running the fleet sweep, the webhook worker and the outbox:
// every health change is audited once, every event delivered once, every notice mailed once.
import { randomBytes, randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { gqlRequest } from "./helpers/control-plane.js";
import { startReplicas, type Replicas } from "./helpers/api-processes.js";
import { eventually } from "./helpers/eventually.js";
import { startWebhookReceiver, type WebhookReceiver } from "./helpers/webhook-receiver.js";

let r: Replicas;
let rx: WebhookReceiver;

beforeAll(async () => {
  rx = await startWebhookReceiver();
  r = await startReplicas(2, { FLEET_SWEEP_INTERVAL_MS: "100", WEBHOOK_POLL_MS: "100", NOTICES: "appliance_overdue" });
}, 120_000);
afterAll(async () => {
  await r?.stop();
  await rx?.stop();
});

/** `n` tenants with one licensed appliance each, last seen 100 hours ago, judged HEALTHY before */
async function overdueFleet(n: number, label: string): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  await r.query(
    `WITH t AS (
       INSERT INTO tenant_registry (tenant_id, company_name, contact_email, edition, status, updated_at)
       SELECT id, 'Replica ' || $2 || ' ' || ord, 'replica-' || $2 || '-' || ord || '@x.test', 'PRO', 'ACTIVE', now()
         FROM unnest($1::uuid[]) WITH ORDINALITY AS x(id, ord) RETURNING tenant_id, company_name)
     INSERT INTO appliance (id, appliance_id, tenant_id, credential_digest, edition, license_expires_at, last_check_in_at, health, health_changed_at, updated_at)
     SELECT gen_random_uuid(), 'box-' || substr(md5(t.tenant_id::text), 1, 8), t.tenant_id, encode(sha256(convert_to(t.tenant_id::text || $3, 'UTF8')), 'hex'), 'PRO',
            now() + interval '10 days', now() - interval '100 hours', 'HEALTHY', now() - interval '200 hours', now()
       FROM t`,
    [ids, label, randomBytes(8).toString("hex")],
  );
  return ids;
}

it("two replicas: each change is audited, delivered and noticed exactly once", async () => {
  const created = await gqlRequest<any>(
    r.apis[0]!.url,
    `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`,
    { input: { url: `${rx.url}/replicas`, events: ["appliance.health_changed"] } },
    { token: r.keys.admin },
  );
  const secret = created.data!.createWebhookEndpoint.secret as string;
  const tenants = await overdueFleet(60, "a");
  const wanted = new Set(tenants);
  const seen = () => new Set(rx.received.map((x) => JSON.parse(x.body).data.tenantId as string).filter((id) => wanted.has(id)));
  await eventually(
    async () => seen().size,
    (n) => n === tenants.length,
    60_000,
  );
  await eventually(
    async () => r.smtp.messages.length,
    (n) => n >= tenants.length,
    60_000,
  );

  // later passes (of either replica) find nothing new: a sentinel added afterwards is handled alone
  const [sentinel] = await overdueFleet(1, "sentinel");
  await eventually(async () => rx.received.some((x) => JSON.parse(x.body).data.tenantId === sentinel), Boolean, 30_000);
  await eventually(
    async () => r.smtp.messages.length,
    (n) => n >= tenants.length + 1,
    30_000,
  );

  const received = rx.received.filter((x) => x.path === "/replicas");
  expect(received).toHaveLength(tenants.length + 1);
  expect(new Set(received.map((x) => x.headers["webhook-id"])).size).toBe(tenants.length + 1);
  for (const x of received)
    expect(new Webhook(secret).verify(x.body, x.headers)).toMatchObject({ type: "appliance.health_changed", data: { from: "HEALTHY", to: "OVERDUE" } });
  const audits = await r.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_event WHERE action = 'appliance.health_changed'`);
  expect(audits[0]!.n).toBe(tenants.length + 1);
  const notices = await r.query<{ n: number }>(`SELECT count(*)::int AS n FROM notice`);
  expect(notices[0]!.n).toBe(tenants.length + 1);
  expect(r.smtp.messages).toHaveLength(tenants.length + 1);
  expect(new Set(r.smtp.messages.map((m) => (m.to as { text: string }).text)).size).toBe(tenants.length + 1);
  const deliveries = await r.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM webhook_delivery`);
  expect(deliveries.every((d) => d.status === "DELIVERED" && d.attempts === 1)).toBe(true);
}, 120_000);
