-- CreateEnum
CREATE TYPE "Edition" AS ENUM ('ESSENTIALS', 'PRO', 'PREMIUM');

-- CreateEnum
CREATE TYPE "DeploymentType" AS ENUM ('APPLIANCE', 'HOSTED');

-- CreateEnum
CREATE TYPE "TenantStatus" AS ENUM ('REGISTERED', 'INSTALLED', 'ACTIVE', 'SUSPENDED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "EntitlementStatus" AS ENUM ('ACTIVE', 'CANCELLED');

-- CreateEnum
CREATE TYPE "PrincipalRole" AS ENUM ('STORE', 'SUPPORT', 'ADMIN');

-- CreateEnum
CREATE TYPE "EmailStatus" AS ENUM ('PENDING', 'SENT', 'DEAD');

-- CreateTable
CREATE TABLE "tenant_registry" (
    "tenant_id" UUID NOT NULL,
    "company_name" TEXT NOT NULL,
    "contact_email" TEXT NOT NULL,
    "edition" "Edition" NOT NULL,
    "deployment_type" "DeploymentType" NOT NULL DEFAULT 'APPLIANCE',
    "status" "TenantStatus" NOT NULL DEFAULT 'REGISTERED',
    "stripe_customer_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "installed_at" TIMESTAMPTZ(3),
    "last_check_in_at" TIMESTAMPTZ(3),
    "suspended_at" TIMESTAMPTZ(3),

    CONSTRAINT "tenant_registry_pkey" PRIMARY KEY ("tenant_id")
);

-- CreateTable
CREATE TABLE "entitlement" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "edition" "Edition" NOT NULL,
    "status" "EntitlementStatus" NOT NULL DEFAULT 'ACTIVE',
    "stripe_subscription_id" TEXT,
    "valid_until" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "entitlement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "install_code" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "entitlement_id" UUID,
    "code_digest" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "consumed_at" TIMESTAMPTZ(3),
    "consumed_by" TEXT,
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "install_code_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "appliance" (
    "id" UUID NOT NULL,
    "appliance_id" TEXT NOT NULL,
    "tenant_id" UUID NOT NULL,
    "credential_digest" TEXT,
    "credential_revoked_at" TIMESTAMPTZ(3),
    "edition" "Edition" NOT NULL,
    "license_jti" TEXT,
    "license_expires_at" TIMESTAMPTZ(3),
    "last_check_in_at" TIMESTAMPTZ(3),
    "reported_version" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "appliance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_event" (
    "id" UUID NOT NULL,
    "principal_type" TEXT NOT NULL,
    "principal_id" TEXT,
    "action" TEXT NOT NULL,
    "tenant_id" UUID,
    "details" JSONB NOT NULL DEFAULT '{}',
    "request_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "email_outbox" (
    "id" UUID NOT NULL,
    "tenant_id" UUID,
    "recipient" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "sealed_message" TEXT,
    "status" "EmailStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "message_id" TEXT,
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "email_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_key" (
    "id" UUID NOT NULL,
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "request_digest" TEXT NOT NULL,
    "tenant_id" UUID NOT NULL,
    "install_code_id" UUID NOT NULL,
    "sealed_code" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_key" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" "PrincipalRole" NOT NULL,
    "prefix" TEXT NOT NULL,
    "digest" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rate_limit_window" (
    "key" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "rate_limit_window_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "tenant_registry_contact_email_idx" ON "tenant_registry"("contact_email");

-- CreateIndex
CREATE INDEX "tenant_registry_created_at_tenant_id_idx" ON "tenant_registry"("created_at", "tenant_id");

-- CreateIndex
CREATE INDEX "entitlement_tenant_id_idx" ON "entitlement"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "install_code_code_digest_key" ON "install_code"("code_digest");

-- CreateIndex
CREATE INDEX "install_code_tenant_id_idx" ON "install_code"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "appliance_appliance_id_key" ON "appliance"("appliance_id");

-- CreateIndex
CREATE UNIQUE INDEX "appliance_credential_digest_key" ON "appliance"("credential_digest");

-- CreateIndex
CREATE INDEX "appliance_tenant_id_idx" ON "appliance"("tenant_id");

-- CreateIndex
CREATE INDEX "audit_event_tenant_id_created_at_idx" ON "audit_event"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "email_outbox_status_next_attempt_at_idx" ON "email_outbox"("status", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "idempotency_key_scope_key_key" ON "idempotency_key"("scope", "key");

-- CreateIndex
CREATE UNIQUE INDEX "api_key_prefix_key" ON "api_key"("prefix");

-- AddForeignKey
ALTER TABLE "entitlement" ADD CONSTRAINT "entitlement_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant_registry"("tenant_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "install_code" ADD CONSTRAINT "install_code_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant_registry"("tenant_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "install_code" ADD CONSTRAINT "install_code_entitlement_id_fkey" FOREIGN KEY ("entitlement_id") REFERENCES "entitlement"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appliance" ADD CONSTRAINT "appliance_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant_registry"("tenant_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_event" ADD CONSTRAINT "audit_event_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant_registry"("tenant_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "email_outbox" ADD CONSTRAINT "email_outbox_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant_registry"("tenant_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "idempotency_key" ADD CONSTRAINT "idempotency_key_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant_registry"("tenant_id") ON DELETE CASCADE ON UPDATE CASCADE;

