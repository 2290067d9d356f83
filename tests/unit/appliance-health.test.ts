// Appliance health (api/src/domain/appliance-health.ts), the webhook attempt rule and the signature
// scheme (checked with the Standard Webhooks reference package, not the product's code).
import { Webhook } from "standardwebhooks";
import { applianceHealth, isHealthChange, type HealthFacts } from "../../api/src/domain/appliance-health.js";
import { eventBody, webhookEventOf } from "../../api/src/domain/webhook-events.js";
import { decideAttempt } from "../../api/src/webhooks/delivery-worker.js";
import { newWebhookSecret, webhookHeaders } from "../../api/src/webhooks/signature.js";

const H = 3600_000;
const now = new Date("2026-12-02T12:00:00.000Z");
const ago = (hours: number) => new Date(now.getTime() - hours * H);
const policy = { overdueAfterMs: 72 * H };
const facts = (o: Partial<HealthFacts> = {}): HealthFacts => ({
  activationMode: "ONLINE",
  licensed: true,
  licenseExpiresAt: new Date(now.getTime() + 20 * 24 * H),
  lastCheckInAt: ago(1),
  offlineRenewalDueAt: null,
  createdAt: ago(24 * 30),
  ...o,
});

describe("applianceHealth", () => {
  test.each<[string, Partial<HealthFacts>, ReturnType<typeof applianceHealth>]>([
    ["checked in an hour ago", {}, "HEALTHY"],
    ["checked in just under the threshold", { lastCheckInAt: new Date(ago(72).getTime() + 1) }, "HEALTHY"],
    ["no check-in for exactly the threshold", { lastCheckInAt: ago(72) }, "OVERDUE"],
    ["no check-in for 5 days, license valid", { lastCheckInAt: ago(120) }, "OVERDUE"],
    ["never checked in, redeemed an hour ago", { lastCheckInAt: null, createdAt: ago(1) }, "HEALTHY"],
    ["never checked in, redeemed 4 days ago", { lastCheckInAt: null, createdAt: ago(96) }, "OVERDUE"],
    ["license expired with no check-in since", { lastCheckInAt: ago(24 * 31), licenseExpiresAt: ago(24) }, "DARK"],
    ["license expires this very moment", { lastCheckInAt: ago(24 * 30), licenseExpiresAt: now }, "DARK"],
    ["no live credential (essentials, revoked, retired)", { licensed: false, lastCheckInAt: ago(1000) }, null],
    ["offline, renewal ahead", { activationMode: "OFFLINE", lastCheckInAt: null, offlineRenewalDueAt: new Date(now.getTime() + H) }, "OFFLINE"],
    ["offline, renewal date passed", { activationMode: "OFFLINE", lastCheckInAt: null, offlineRenewalDueAt: ago(1) }, "DARK"],
    [
      "offline without a renewal date: its license expiry decides",
      { activationMode: "OFFLINE", lastCheckInAt: null, offlineRenewalDueAt: null, licenseExpiresAt: ago(1) },
      "DARK",
    ],
    ["offline, never renewed nor expiring", { activationMode: "OFFLINE", lastCheckInAt: null, offlineRenewalDueAt: null, licenseExpiresAt: null }, "OFFLINE"],
    ["offline that checked in recently", { activationMode: "OFFLINE", lastCheckInAt: ago(1), offlineRenewalDueAt: ago(1) }, "HEALTHY"],
  ])("%s", (_name, o, expected) => {
    expect(applianceHealth(facts(o), now, policy)).toBe(expected);
  });

  test("a first judgement or losing track is no change worth an event; any other difference is", () => {
    expect(isHealthChange(null, "OVERDUE")).toBe(false);
    expect(isHealthChange("DARK", null)).toBe(false);
    expect(isHealthChange("HEALTHY", "HEALTHY")).toBe(false);
    expect(isHealthChange("HEALTHY", "OVERDUE")).toBe(true);
    expect(isHealthChange("OVERDUE", "HEALTHY")).toBe(true);
  });
});

describe("webhook events", () => {
  test("audit actions map to the published event types", () => {
    expect(webhookEventOf("tenant.registered")).toBe("tenant.registered");
    expect(webhookEventOf("install_code.redeemed")).toBe("install_code.redeemed");
    expect(webhookEventOf("entitlement.past_due")).toBe("entitlement.changed");
    expect(webhookEventOf("entitlement.granted")).toBe("entitlement.changed");
    expect(webhookEventOf("appliance.credential_retired")).toBe("appliance.credential_retired");
    expect(webhookEventOf("seat_limit.reached")).toBe("seat_limit.reached");
    expect(webhookEventOf("tenant.suspended")).toBeNull();
    expect(webhookEventOf("notice.queued")).toBeNull();
  });

  test("the body is { type, timestamp, data } with the tenant and the change", () => {
    const body = JSON.parse(eventBody("entitlement.changed", "entitlement.past_due", "t1", { entitlementId: "e1" }, now));
    expect(body).toEqual({
      type: "entitlement.changed",
      timestamp: now.toISOString(),
      data: { tenantId: "t1", entitlementId: "e1", action: "entitlement.past_due" },
    });
  });
});

describe("webhook signature", () => {
  test("the reference implementation verifies what the service signs", () => {
    const secret = newWebhookSecret();
    const body = eventBody("tenant.registered", "tenant.registered", "t1", { edition: "PRO" }, new Date());
    const headers = webhookHeaders([secret], "6c6b1b1e-0000-4000-8000-000000000001", body, new Date());
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    // a tampered body, another secret, or an old timestamp fail
    expect(() => new Webhook(secret).verify(body.replace("PRO", "PREMIUM"), headers)).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
    const old = webhookHeaders([secret], "id-1", body, new Date(Date.now() - 10 * 60_000));
    expect(() => new Webhook(secret).verify(body, old)).toThrow();
  });

  test("during a rotation both secrets sign: a receiver on either verifies", () => {
    const [next, previous] = [newWebhookSecret(), newWebhookSecret()];
    const body = '{"type":"seat_limit.reached"}';
    const headers = webhookHeaders([next, previous], "id-2", body, new Date());
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(() => new Webhook(next).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(previous).verify(body, headers)).not.toThrow();
  });
});

describe("decideAttempt", () => {
  const o = { maxAttempts: 3, retryBaseMs: 1000, retryMaxSeconds: 60 };
  const mid = () => 0.5; // no jitter
  test.each<[string, Parameters<typeof decideAttempt>[0], number, ReturnType<typeof decideAttempt>]>([
    ["2xx delivers", { statusCode: 204, error: null }, 1, { outcome: "DELIVERED", retryInMs: 0 }],
    ["no answer retries after the base", { statusCode: null, error: "ECONNREFUSED" }, 1, { outcome: "PENDING", retryInMs: 1000 }],
    ["a 500 backs off exponentially", { statusCode: 500, error: "HTTP 500" }, 2, { outcome: "PENDING", retryInMs: 2000 }],
    ["a redirect is a failure (never followed)", { statusCode: 302, error: "redirect" }, 1, { outcome: "PENDING", retryInMs: 1000 }],
    ["a 429 asking for 30 s waits 30 s", { statusCode: 429, error: "HTTP 429", retryAfterSeconds: 30 }, 1, { outcome: "PENDING", retryInMs: 30_000 }],
    [
      "a Retry-After beyond the cap is cut to it",
      { statusCode: 503, error: "HTTP 503", retryAfterSeconds: 3600 },
      1,
      { outcome: "PENDING", retryInMs: 60_000 },
    ],
    ["a 400's Retry-After is not honoured", { statusCode: 400, error: "HTTP 400", retryAfterSeconds: 30 }, 1, { outcome: "PENDING", retryInMs: 1000 }],
    ["the last attempt fails for good", { statusCode: 500, error: "HTTP 500" }, 3, { outcome: "FAILED", retryInMs: 0 }],
  ])("%s", (_name, result, attempts, expected) => {
    expect(decideAttempt(result, attempts, o, mid)).toEqual(expected);
  });
});

describe("fleet settings", () => {
  test("NOTICES switches notice kinds; SEAT_RELEASE_AFTER_DAYS is off unless set", async () => {
    const { loadConfig } = await import("../../api/src/config.js");
    const defaults = loadConfig({});
    expect([...defaults.fleet.notices].sort()).toEqual(["appliance_overdue", "entitlement_past_due", "license_expiring"]);
    expect(defaults.fleet.seatReleaseAfterMs).toBeNull();
    expect(defaults.fleet.overdueAfterMs).toBe(72 * H);
    expect([...loadConfig({ NOTICES: "appliance_overdue, license_expiring" }).fleet.notices]).toEqual(["appliance_overdue", "license_expiring"]);
    expect(loadConfig({ NOTICES: "none" }).fleet.notices.size).toBe(0);
    expect(loadConfig({ SEAT_RELEASE_AFTER_DAYS: "30" }).fleet.seatReleaseAfterMs).toBe(30 * 24 * H);
    expect(() => loadConfig({ NOTICES: "appliance_overdue,weekly_digest" })).toThrow(/NOTICES: unknown notice kind\(s\) weekly_digest/);
    expect(() => loadConfig({ APPLIANCE_OVERDUE_HOURS: "0" })).toThrow(/APPLIANCE_OVERDUE_HOURS/);
  });
});
