-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "EntitlementStatus" ADD VALUE 'PAST_DUE';
ALTER TYPE "EntitlementStatus" ADD VALUE 'EXPIRED';

-- DropIndex
DROP INDEX "appliance_appliance_id_key";

-- DropIndex
DROP INDEX "appliance_tenant_id_idx";

-- DropIndex
DROP INDEX "entitlement_tenant_id_idx";

-- DropIndex
DROP INDEX "install_code_tenant_id_idx";

-- AlterTable
ALTER TABLE "appliance" ADD COLUMN     "credential_revoked_reason" TEXT;

-- AlterTable
ALTER TABLE "email_outbox" ADD COLUMN     "lease_token" UUID;

-- AlterTable
ALTER TABLE "entitlement" ADD COLUMN     "cancelled_at" TIMESTAMPTZ(3),
ADD COLUMN     "past_due_since" TIMESTAMPTZ(3),
ADD COLUMN     "seats" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "stripe_price_id" TEXT,
ADD COLUMN     "stripe_updated_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "install_code" ADD COLUMN     "live_for_tenant" UUID;

-- Backfill: a tenant's newest unconsumed, unrevoked code is its live one, older ones are revoked
-- (concurrent re-issues could leave several).
UPDATE "install_code" c SET "revoked_at" = now()
 WHERE c."consumed_at" IS NULL AND c."revoked_at" IS NULL
   AND EXISTS (SELECT 1 FROM "install_code" n
                WHERE n."tenant_id" = c."tenant_id" AND n."consumed_at" IS NULL AND n."revoked_at" IS NULL
                  AND (n."created_at", n."id") > (c."created_at", c."id"));
UPDATE "install_code" SET "live_for_tenant" = "tenant_id" WHERE "consumed_at" IS NULL AND "revoked_at" IS NULL;

-- AlterTable
ALTER TABLE "tenant_registry" ADD COLUMN     "revision" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "stripe_event" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "tenant_id" UUID,
    "outcome" TEXT NOT NULL,

    CONSTRAINT "stripe_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "stripe_event_tenant_id_idx" ON "stripe_event"("tenant_id");

-- CreateIndex
CREATE INDEX "appliance_appliance_id_idx" ON "appliance"("appliance_id");

-- CreateIndex
CREATE UNIQUE INDEX "appliance_tenant_id_appliance_id_key" ON "appliance"("tenant_id", "appliance_id");

-- CreateIndex
CREATE INDEX "email_outbox_tenant_id_idx" ON "email_outbox"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "entitlement_stripe_subscription_id_key" ON "entitlement"("stripe_subscription_id");

-- CreateIndex
CREATE INDEX "entitlement_tenant_id_created_at_idx" ON "entitlement"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "idempotency_key_install_code_id_idx" ON "idempotency_key"("install_code_id");

-- CreateIndex
CREATE INDEX "idempotency_key_tenant_id_idx" ON "idempotency_key"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "install_code_live_for_tenant_key" ON "install_code"("live_for_tenant");

-- CreateIndex
CREATE INDEX "install_code_tenant_id_created_at_idx" ON "install_code"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "install_code_entitlement_id_idx" ON "install_code"("entitlement_id");

-- CreateIndex
CREATE INDEX "tenant_registry_stripe_customer_id_idx" ON "tenant_registry"("stripe_customer_id");

-- CreateIndex
CREATE INDEX "tenant_registry_company_name_trgm_idx" ON "tenant_registry" USING GIN ("company_name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "tenant_registry_contact_email_trgm_idx" ON "tenant_registry" USING GIN ("contact_email" gin_trgm_ops);

-- AddForeignKey
ALTER TABLE "stripe_event" ADD CONSTRAINT "stripe_event_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant_registry"("tenant_id") ON DELETE SET NULL ON UPDATE CASCADE;

