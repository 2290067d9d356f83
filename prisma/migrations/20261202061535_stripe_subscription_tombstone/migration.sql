-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- CreateTable
CREATE TABLE "stripe_subscription_tombstone" (
    "subscription_id" TEXT NOT NULL,
    "ended_at" TIMESTAMPTZ(3) NOT NULL,
    "stripe_event_id" TEXT NOT NULL,
    "customer_id" TEXT,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stripe_subscription_tombstone_pkey" PRIMARY KEY ("subscription_id")
);


-- Backfill: subscriptions Stripe already ended before tombstones existed (their cancellation audit names the Stripe event)
INSERT INTO "stripe_subscription_tombstone" ("subscription_id", "ended_at", "stripe_event_id", "customer_id", "recorded_at")
SELECT DISTINCT ON (e."stripe_subscription_id") e."stripe_subscription_id", COALESCE(e."stripe_updated_at", e."cancelled_at", a."created_at"), a."details"->>'stripeEventId', t."stripe_customer_id", CURRENT_TIMESTAMP
FROM "entitlement" e
JOIN "audit_event" a ON a."action" = 'entitlement.cancelled' AND a."details"->>'entitlementId' = e."id"::text
JOIN "tenant_registry" t ON t."tenant_id" = e."tenant_id"
WHERE e."stripe_subscription_id" IS NOT NULL AND e."status" = 'CANCELLED' AND a."details"->>'stripeEventId' IS NOT NULL
  AND (a."details"->>'stripeEventType' = 'customer.subscription.deleted' OR a."details"->>'stripeStatus' IN ('canceled', 'incomplete_expired'))
ORDER BY e."stripe_subscription_id", a."created_at"
ON CONFLICT ("subscription_id") DO NOTHING;
