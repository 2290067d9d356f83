// Standard Webhooks signatures (https://www.standardwebhooks.com): the secret is "whsec_" + base64 of
// random bytes; webhook-signature is a space-separated list of "v1,<base64 HMAC-SHA256>" over
// "<webhook-id>.<webhook-timestamp>.<body>", keyed with the secret's decoded bytes. During a secret
// rotation both secrets sign (one "v1," entry each), so a receiver may switch over at its own pace.
import { createHmac, randomBytes } from "node:crypto";

const PREFIX = "whsec_";

export const newWebhookSecret = (): string => PREFIX + randomBytes(32).toString("base64");

export function signPayload(secret: string, id: string, timestampSeconds: number, body: string): string {
  if (!secret.startsWith(PREFIX)) throw new Error("a webhook secret starts with whsec_");
  const key = Buffer.from(secret.slice(PREFIX.length), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`).digest("base64")}`;
}

/** The three headers of one attempt, signed with every secret given (current first). */
export interface WebhookHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

export function webhookHeaders(secrets: string[], id: string, body: string, now: Date): WebhookHeaders {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": secrets.map((s) => signPayload(s, id, timestamp, body)).join(" "),
  };
}
