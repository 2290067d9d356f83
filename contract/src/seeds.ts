// The two Secrets the wizard writes and the in-cluster bootstrap consumes. One definition, used by the
// wizard, create-tenant, the check-in agent and the charts' tests (charts/appliance must read exactly these).
export const INITIAL_TENANT_SECRET = "appliance-initial-tenant";
export const LICENSE_SEED_SECRET = "appliance-license-seed";

export const INITIAL_TENANT_KEYS = {
  tenantId: "INITIAL_TENANT_ID",
  adminPassword: "INITIAL_ADMIN_PASSWORD",
  adminEmail: "INITIAL_ADMIN_EMAIL",
  companyName: "INITIAL_COMPANY_NAME",
} as const;

export const LICENSE_SEED_KEYS = {
  edition: "EDITION",
  applianceId: "APPLIANCE_ID",
  licenseUrl: "ALGA_LICENSE_URL",
  /** paid only */
  token: "LICENSE_TOKEN",
  credential: "APPLIANCE_CREDENTIAL",
  checkInUrl: "CHECK_IN_URL",
} as const;

export type InitialTenantSeed = Record<(typeof INITIAL_TENANT_KEYS)[keyof typeof INITIAL_TENANT_KEYS], string>;
export type LicenseSeed = Partial<Record<(typeof LICENSE_SEED_KEYS)[keyof typeof LICENSE_SEED_KEYS], string>>;
