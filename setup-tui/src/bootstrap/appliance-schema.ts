// The appliance's own small schema (tenants, users, license_state). Idempotent DDL, applied by
// create-tenant before it writes.
import type pg from "pg";

export const APPLIANCE_SCHEMA = `
CREATE TABLE IF NOT EXISTS tenants (
  tenant_id    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_name text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS users (
  user_id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id     uuid NOT NULL REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  email         text NOT NULL,
  password_hash text NOT NULL,
  role          text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, email)
);
CREATE TABLE IF NOT EXISTS license_state (
  tenant_id            uuid PRIMARY KEY REFERENCES tenants (tenant_id) ON DELETE CASCADE,
  edition              text NOT NULL,
  appliance_id         text,
  license_token        text,
  license_expires_at   timestamptz,
  appliance_credential text,
  check_in_url         text,
  last_check_in_at     timestamptz,
  last_check_in_error  text,
  updated_at           timestamptz NOT NULL DEFAULT now()
);`;

export async function ensureApplianceSchema(client: pg.ClientBase): Promise<void> {
  await client.query(APPLIANCE_SCHEMA);
}
