-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- AlterTable
ALTER TABLE "appliance" ADD COLUMN     "install_code_id" UUID;

-- AlterTable
ALTER TABLE "install_code" ADD COLUMN     "redemption_key_digest" TEXT,
ADD COLUMN     "replayed_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "appliance_install_code_id_idx" ON "appliance"("install_code_id");

-- AddForeignKey
ALTER TABLE "appliance" ADD CONSTRAINT "appliance_install_code_id_fkey" FOREIGN KEY ("install_code_id") REFERENCES "install_code"("id") ON DELETE SET NULL ON UPDATE CASCADE;

