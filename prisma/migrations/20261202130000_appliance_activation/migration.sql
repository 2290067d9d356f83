-- Offline activation (request/response files) and the appliance's own identity key.
CREATE TYPE "ActivationMode" AS ENUM ('ONLINE', 'OFFLINE');

ALTER TABLE "appliance"
  ADD COLUMN "activation_mode" "ActivationMode" NOT NULL DEFAULT 'ONLINE',
  ADD COLUMN "offline_renewal_due_at" TIMESTAMPTZ(3),
  ADD COLUMN "public_key" TEXT,
  ADD COLUMN "public_key_thumbprint" TEXT;

CREATE INDEX "appliance_activation_mode_offline_renewal_due_at_idx" ON "appliance" ("activation_mode", "offline_renewal_due_at");

-- An offline activation request names its install code by SHA-256 only: looked up by this HMAC of it.
ALTER TABLE "install_code" ADD COLUMN "request_digest" TEXT;
CREATE UNIQUE INDEX "install_code_request_digest_key" ON "install_code" ("request_digest");
