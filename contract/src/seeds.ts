// The two Secrets the wizard writes and the in-cluster bootstrap consumes. One definition, used by the
// wizard, create-tenant, the check-in agent and the charts' tests (charts/appliance must read exactly these).
export const INITIAL_TENANT_SECRET = "appliance-initial-tenant";
export const LICENSE_SEED_SECRET = "appliance-license-seed";

export const INITIAL_TENANT_KEYS = {
  /** an integrity check over the other fields but the password (which the appliance chart clears) */
  digest: "INITIAL_TENANT_DIGEST",
  tenantId: "INITIAL_TENANT_ID",
  /** absent when the appliance was already bootstrapped (the password could not take effect); the
   * appliance chart clears it after the bootstrap */
  adminPassword: "INITIAL_ADMIN_PASSWORD",
  adminEmail: "INITIAL_ADMIN_EMAIL",
  companyName: "INITIAL_COMPANY_NAME",
} as const;

export const LICENSE_SEED_KEYS = {
  /** an integrity check over the other fields, so a truncated or half-read seed is refused */
  digest: "LICENSE_SEED_DIGEST",
  edition: "EDITION",
  applianceId: "APPLIANCE_ID",
  licenseUrl: "ALGA_LICENSE_URL",
  /** when the code was redeemed (ISO 8601): a bootstrap refreshes license_state only from a newer redemption */
  redeemedAt: "REDEEMED_AT",
  /** the vendor's key hand-over document (a General JWS, JSON) verified at redemption: the keys pinned */
  vendorKeys: "LICENSE_VENDOR_KEYS",
  /** this appliance's Ed25519 identity key (private JWK, JSON): licenses bound to it name its thumbprint (cnf.jkt) */
  applianceKey: "APPLIANCE_KEY",
  /** paid only */
  token: "LICENSE_TOKEN",
  credential: "APPLIANCE_CREDENTIAL",
  checkInUrl: "CHECK_IN_URL",
} as const;

export type InitialTenantSeed = Partial<Record<(typeof INITIAL_TENANT_KEYS)[keyof typeof INITIAL_TENANT_KEYS], string>>;
export type LicenseSeed = Partial<Record<(typeof LICENSE_SEED_KEYS)[keyof typeof LICENSE_SEED_KEYS], string>>;
