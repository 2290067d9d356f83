-- Offline exchange: the nonces of answered request files, and the seat reports renewals carry.
CREATE TYPE "OfflineRequestKind" AS ENUM ('ACTIVATION', 'RENEWAL');
CREATE TYPE "SeatReportChain" AS ENUM ('OK', 'FIRST', 'GAP', 'REPLAYED');

CREATE TABLE "offline_request_nonce" (
    "nonce_digest" TEXT NOT NULL,
    "kind" "OfflineRequestKind" NOT NULL,
    "tenant_id" UUID NOT NULL,
    "appliance_id" TEXT NOT NULL,
    "issued_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "offline_request_nonce_pkey" PRIMARY KEY ("nonce_digest")
);
CREATE INDEX "offline_request_nonce_created_at_idx" ON "offline_request_nonce"("created_at");

CREATE TABLE "seat_report" (
    "id" UUID NOT NULL,
    "appliance_row_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "prev" TEXT,
    "hash" TEXT NOT NULL,
    "chain" "SeatReportChain" NOT NULL,
    "period_from" TIMESTAMPTZ(3) NOT NULL,
    "period_until" TIMESTAMPTZ(3) NOT NULL,
    "edition" "Edition" NOT NULL,
    "version" TEXT NOT NULL,
    "licensed_until" TIMESTAMPTZ(3),
    "skew_seconds" INTEGER,
    "report" JSONB NOT NULL,
    "license_jti" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "seat_report_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "seat_report_appliance_row_id_created_at_idx" ON "seat_report"("appliance_row_id", "created_at");
CREATE INDEX "seat_report_appliance_row_id_hash_idx" ON "seat_report"("appliance_row_id", "hash");
ALTER TABLE "seat_report" ADD CONSTRAINT "seat_report_appliance_row_id_fkey" FOREIGN KEY ("appliance_row_id") REFERENCES "appliance"("id") ON DELETE CASCADE ON UPDATE CASCADE;
