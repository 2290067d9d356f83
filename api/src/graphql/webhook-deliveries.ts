// Webhook deliveries with their attempts, and an admin's redelivery.
import { redeliverWebhook } from "../domain/webhook-endpoints.js";
import { isUuid } from "../domain/validate.js";
import { WebhookDeliveryStatus } from "../generated/prisma/enums.js";
import { builder } from "./builder.js";
import { WebhookEndpointType } from "./webhook-endpoints.js";

const adminOnly = { authScopes: { admin: true } } as const;

const WebhookDeliveryStatusEnum = builder.enumType(WebhookDeliveryStatus, {
  name: "WebhookDeliveryStatus",
  description:
    "PENDING: queued or waiting out a backoff. DELIVERED: a 2xx answered. FAILED: parked after WEBHOOK_MAX_ATTEMPTS attempts (or its endpoint was disabled); redeliverWebhook sends it again.",
});

const WebhookDeliveryAttemptType = builder.prismaObject("WebhookDeliveryAttempt", {
  ...adminOnly,
  fields: (t) => ({
    attempt: t.exposeInt("attempt"),
    statusCode: t.exposeInt("statusCode", { nullable: true, description: "null: no answer (refused, timed out)" }),
    error: t.exposeString("error", { nullable: true }),
    durationMs: t.exposeInt("durationMs"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

export const WebhookDeliveryType = builder.prismaObject("WebhookDelivery", {
  ...adminOnly,
  fields: (t) => ({
    id: t.exposeID("id", { description: "the webhook-id header (the same on every attempt)" }),
    eventType: t.exposeString("eventType"),
    tenantId: t.exposeID("tenantId", { nullable: true }),
    payload: t.exposeString("body", { description: "the JSON body exactly as signed and sent" }),
    status: t.expose("status", { type: WebhookDeliveryStatusEnum }),
    attempts: t.exposeInt("attempts", { description: "attempts since it was queued or last redelivered" }),
    nextAttemptAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "when it is tried next (PENDING only)",
      select: { status: true, nextAttemptAt: true },
      resolve: (d) => (d.status === "PENDING" ? d.nextAttemptAt : null),
    }),
    lastError: t.exposeString("lastError", { nullable: true }),
    deliveredAt: t.expose("deliveredAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    endpoint: t.relation("endpoint", { type: WebhookEndpointType }),
    attemptLog: t.relation("attemptsLog", { description: "every attempt, oldest first", query: { orderBy: { createdAt: "asc" }, take: 100 } }),
  }),
});
void WebhookDeliveryAttemptType;

builder.queryFields((t) => ({
  webhookDeliveries: t.prismaField({
    ...adminOnly,
    type: [WebhookDeliveryType],
    description: "Deliveries newest first, optionally of one endpoint, event type or status (at most 500).",
    args: {
      endpointId: t.arg.id({ required: false }),
      status: t.arg({ type: WebhookDeliveryStatusEnum, required: false }),
      eventType: t.arg.string({ required: false }),
      first: t.arg.int({ required: false, description: "default 50, at most 500" }),
    },
    resolve: (query, _root, args, ctx) => {
      const endpointId = args.endpointId ? String(args.endpointId) : undefined;
      if (endpointId && !isUuid(endpointId)) return [];
      return ctx.services.prisma.webhookDelivery.findMany({
        ...query,
        where: {
          ...(endpointId ? { endpointId } : {}),
          ...(args.status ? { status: args.status } : {}),
          ...(args.eventType ? { eventType: args.eventType } : {}),
        },
        orderBy: [{ createdAt: "desc" }, { id: "asc" }],
        take: Math.min(Math.max(args.first ?? 50, 1), 500),
      });
    },
  }),
}));

builder.mutationFields((t) => ({
  redeliverWebhook: t.prismaField({
    ...adminOnly,
    type: WebhookDeliveryType,
    description: "Sends a delivery again (DELIVERED or FAILED): due now, same webhook-id and body, a fresh count of attempts.",
    args: { deliveryId: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const d = await redeliverWebhook(ctx.services, ctx, { deliveryId: String(args.deliveryId) });
      return ctx.services.prisma.webhookDelivery.findUniqueOrThrow({ ...query, where: { id: d.id } });
    },
  }),
}));
