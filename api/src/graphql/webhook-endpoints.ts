// Admins register the vendor's systems that receive events (Standard Webhooks, docs/EVENTS.md).
import { WEBHOOK_EVENTS } from "../domain/webhook-events.js";
import { createWebhookEndpoint, disableWebhookEndpoint, rotateWebhookEndpointSecret } from "../domain/webhook-endpoints.js";
import type { WebhookEndpointRow } from "../data/webhooks.js";
import { builder } from "./builder.js";

const adminOnly = { authScopes: { admin: true } } as const;

export const WebhookEndpointType = builder.prismaObject("WebhookEndpoint", {
  ...adminOnly,
  fields: (t) => ({
    id: t.exposeID("id"),
    url: t.exposeString("url"),
    description: t.exposeString("description", { nullable: true }),
    events: t.exposeStringList("events", { description: `event types delivered (${WEBHOOK_EVENTS.join(", ")})` }),
    enabled: t.boolean({ select: { disabledAt: true }, resolve: (e) => e.disabledAt === null }),
    disabledAt: t.expose("disabledAt", { type: "DateTime", nullable: true }),
    previousSecretValidUntil: t.expose("previousSecretUntil", {
      type: "DateTime",
      nullable: true,
      description: "after a rotation, the previous secret also signs until then",
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const WebhookEndpointSecretPayload = builder.objectRef<{ endpoint: WebhookEndpointRow; secret: string }>("WebhookEndpointSecretPayload").implement({
  ...adminOnly,
  fields: (t) => ({
    secret: t.exposeString("secret", { description: "whsec_…: shown this once; verify webhook-signature with it (Standard Webhooks)" }),
    endpoint: t.prismaField({
      type: WebhookEndpointType,
      resolve: (query, p, _args, ctx) => ctx.services.prisma.webhookEndpoint.findUniqueOrThrow({ ...query, where: { id: p.endpoint.id } }),
    }),
  }),
});

const CreateWebhookEndpointInput = builder.inputType("CreateWebhookEndpointInput", {
  fields: (t) => ({
    url: t.string({ required: true, description: "http(s) URL the events are POSTed to (no credentials; redirects are not followed)" }),
    events: t.stringList({ required: true, description: `any of ${WEBHOOK_EVENTS.join(", ")}` }),
    description: t.string({ required: false }),
  }),
});

builder.queryFields((t) => ({
  webhookEndpoints: t.prismaField({
    ...adminOnly,
    type: [WebhookEndpointType],
    description: "Every registered endpoint, newest first (disabled ones included).",
    resolve: (query, _root, _args, ctx) =>
      ctx.services.prisma.webhookEndpoint.findMany({ ...query, orderBy: [{ createdAt: "desc" }, { id: "asc" }], take: 500 }),
  }),
}));

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    ...adminOnly,
    type: WebhookEndpointSecretPayload,
    args: { input: t.arg({ type: CreateWebhookEndpointInput, required: true }) },
    resolve: (_root, { input }, ctx) => createWebhookEndpoint(ctx.services, ctx, input),
  }),
  rotateWebhookEndpointSecret: t.field({
    ...adminOnly,
    type: WebhookEndpointSecretPayload,
    description: "A new secret signs from now on; the previous one also signs for WEBHOOK_SECRET_OVERLAP_SECONDS.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => rotateWebhookEndpointSecret(ctx.services, ctx, { id: String(args.id) }),
  }),
  disableWebhookEndpoint: t.prismaField({
    ...adminOnly,
    type: WebhookEndpointType,
    description: "Nothing more is queued for it; its pending deliveries are parked as FAILED.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const e = await disableWebhookEndpoint(ctx.services, ctx, { id: String(args.id) });
      return ctx.services.prisma.webhookEndpoint.findUniqueOrThrow({ ...query, where: { id: e.id } });
    },
  }),
}));
