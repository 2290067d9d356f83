// The statements the API issues per scenario, copied from api/src/data/*.ts (and, for the support
// search, from Prisma's statements captured with `npm run bench:sql`). Keep them in step with the API:
// the baseline is only a yardstick if it asks PostgreSQL for the same work.

export const TENANT_COLUMNS = `tenant_id AS id, company_name AS "companyName", contact_email AS "contactEmail", edition,
  deployment_type AS "deploymentType", status, stripe_customer_id AS "stripeCustomerId", created_at AS "createdAt",
  installed_at AS "installedAt", last_check_in_at AS "lastCheckInAt", suspended_at AS "suspendedAt", revision`;

const ENTITLEMENT_COLUMNS = `id, tenant_id AS "tenantId", edition, status, stripe_subscription_id AS "stripeSubscriptionId",
  stripe_price_id AS "stripePriceId", valid_until AS "validUntil", past_due_since AS "pastDueSince",
  cancelled_at AS "cancelledAt", seats, stripe_updated_at AS "stripeUpdatedAt", created_at AS "createdAt"`;

const APPLIANCE_COLUMNS = `id, appliance_id AS "applianceId", tenant_id AS "tenantId", edition,
  (credential_digest IS NOT NULL) AS "hasCredential", (credential_digest IS NOT NULL AND credential_revoked_at IS NULL) AS "credentialActive",
  license_jti AS "licenseJti", license_expires_at AS "licenseExpiresAt", last_check_in_at AS "lastCheckInAt",
  reported_version AS "reportedVersion", created_at AS "createdAt"`;

const CODE_COLUMNS = `id, tenant_id AS "tenantId", entitlement_id AS "entitlementId", expires_at AS "expiresAt",
  consumed_at AS "consumedAt", consumed_by AS "consumedBy", revoked_at AS "revokedAt", created_at AS "createdAt"`;

// authentication (api/src/data/api-keys.ts, appliances.ts findSession)
export const FIND_API_KEY = `SELECT id, name, role, prefix, digest, created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt" FROM api_key WHERE prefix = $1`;
export const TOUCH_API_KEY = `UPDATE api_key SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`;
export const FIND_SESSION = `SELECT a.id AS "applianceRowId", a.credential_digest AS "credentialDigest", a.appliance_id AS "applianceId", a.tenant_id AS "tenantId", a.edition AS "applianceEdition",
            t.status AS "tenantStatus", t.revision AS "tenantRevision",
            e.id AS "e_id", e.edition AS "e_edition", e.status AS "e_status", e.stripe_subscription_id AS "e_stripeSubscriptionId",
            e.stripe_price_id AS "e_stripePriceId", e.valid_until AS "e_validUntil", e.past_due_since AS "e_pastDueSince",
            e.cancelled_at AS "e_cancelledAt", e.seats AS "e_seats", e.stripe_updated_at AS "e_stripeUpdatedAt", e.created_at AS "e_createdAt"
       FROM appliance a
       JOIN tenant_registry t ON t.tenant_id = a.tenant_id
       LEFT JOIN current_entitlement ce ON ce.tenant_id = a.tenant_id LEFT JOIN entitlement e ON e.id = ce.entitlement_id
      WHERE a.credential_digest = $1 AND a.credential_digest IS NOT NULL AND a.credential_revoked_at IS NULL`;

// checkIn (appliances.ts recordCheckIn)
export const RECORD_CHECK_IN = `WITH locked AS (
       SELECT t.tenant_id FROM tenant_registry t JOIN appliance a ON a.tenant_id = t.tenant_id
        WHERE a.id = $1 AND t.tenant_id = $2 AND t.revision = $3 AND t.status NOT IN ('SUSPENDED', 'CANCELLED')
          AND a.credential_digest = $12 AND a.credential_revoked_at IS NULL
        FOR UPDATE OF t, a
     ), tenant AS (
       UPDATE tenant_registry SET status = CASE WHEN status IN ('REGISTERED', 'INSTALLED') THEN 'ACTIVE'::"TenantStatus" ELSE status END,
              last_check_in_at = $8, updated_at = $8
        WHERE tenant_id IN (SELECT tenant_id FROM locked) RETURNING tenant_id
     ), appl AS (
       UPDATE appliance SET edition = $4, license_jti = $5, license_expires_at = $6, last_check_in_at = $8,
              reported_version = COALESCE($7, reported_version), updated_at = $8
        WHERE id = $1 AND tenant_id IN (SELECT tenant_id FROM locked) RETURNING id
     ), audit AS (
       INSERT INTO audit_event (id, principal_type, principal_id, action, tenant_id, details, request_id, created_at)
       SELECT gen_random_uuid(), 'appliance', $9, 'appliance.checked_in', $2, $10, $11, $8 FROM appl
     )
     SELECT EXISTS (SELECT 1 FROM appl) AND EXISTS (SELECT 1 FROM tenant) AS ok`;

// redeemInstallCode (rate-limits.ts, install-codes.ts, tenants.ts, entitlements.ts, appliances.ts, idempotency.ts, audit.ts)
export const RESERVE_ATTEMPT = `INSERT INTO rate_limit_window AS w (key, window_start, count) VALUES ($1, $2, 1)
     ON CONFLICT (key) DO UPDATE SET
       count = CASE WHEN w.window_start <= $2::timestamptz - make_interval(secs => $3) THEN 1 ELSE w.count + 1 END,
       window_start = CASE WHEN w.window_start <= $2::timestamptz - make_interval(secs => $3) THEN $2 ELSE w.window_start END
     RETURNING count, window_start AS "windowStart"`;
export const RELEASE_ATTEMPT = `UPDATE rate_limit_window SET count = count - 1 WHERE key = $1 AND window_start = $2 AND count > 0`;
export const FIND_CODE_BY_DIGEST = `SELECT ${CODE_COLUMNS} FROM install_code WHERE code_digest = $1`;
export const LOCK_TENANT = `SELECT ${TENANT_COLUMNS} FROM tenant_registry WHERE tenant_id = $1 FOR UPDATE`;
export const CONSUME_CODE = `UPDATE install_code SET consumed_at = $3, consumed_by = $2, live_for_tenant = NULL
      WHERE id = $1 AND consumed_at IS NULL AND revoked_at IS NULL AND expires_at > $3`;
export const CURRENT_ENTITLEMENT = `SELECT ${ENTITLEMENT_COLUMNS} FROM entitlement WHERE id = (SELECT entitlement_id FROM current_entitlement WHERE tenant_id = $1)`;
export const SEAT_VIEW = `SELECT ${APPLIANCE_COLUMNS} FROM appliance
      WHERE tenant_id = $1 AND (appliance_id = $2 OR (credential_digest IS NOT NULL AND credential_revoked_at IS NULL))
      ORDER BY COALESCE(last_check_in_at, created_at), created_at`;
export const UPSERT_APPLIANCE = `INSERT INTO appliance AS a (id, tenant_id, appliance_id, edition, credential_digest, license_jti, license_expires_at, created_at, updated_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $7)
     ON CONFLICT (tenant_id, appliance_id) DO UPDATE SET
       edition = EXCLUDED.edition, credential_digest = EXCLUDED.credential_digest, credential_revoked_at = NULL,
       credential_revoked_reason = NULL, license_jti = EXCLUDED.license_jti, license_expires_at = EXCLUDED.license_expires_at,
       updated_at = EXCLUDED.updated_at
     RETURNING ${APPLIANCE_COLUMNS}, (xmax <> 0) AS reinstalled`;
export const MARK_INSTALLED = `UPDATE tenant_registry SET status = CASE WHEN status = 'REGISTERED' THEN 'INSTALLED'::"TenantStatus" ELSE status END,
            installed_at = $2, updated_at = $2 WHERE tenant_id = $1`;
export const WIPE_SEALED_CODES = `UPDATE idempotency_key SET sealed_code = NULL WHERE install_code_id = ANY($1::uuid[]) AND sealed_code IS NOT NULL`;
export const INSERT_AUDIT = `INSERT INTO audit_event (id, principal_type, principal_id, action, tenant_id, details, request_id, created_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7)`;

// registerTenant (idempotency.ts, tenants.ts, entitlements.ts, install-codes.ts, outbox.ts, audit.ts)
export const FIND_IDEMPOTENCY = `SELECT k.request_digest AS "requestDigest", k.tenant_id AS "tenantId", k.install_code_id AS "installCodeId",
            k.sealed_code AS "sealedCode", c.expires_at AS "codeExpiresAt", c.consumed_at AS "codeConsumedAt",
            c.revoked_at AS "codeRevokedAt"
       FROM idempotency_key k JOIN install_code c ON c.id = k.install_code_id
      WHERE k.scope = $1 AND k.key = $2`;
export const INSERT_TENANT = `INSERT INTO tenant_registry (tenant_id, company_name, contact_email, edition, deployment_type, stripe_customer_id, created_at, updated_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $6) RETURNING ${TENANT_COLUMNS}`;
export const INSERT_ENTITLEMENT = `INSERT INTO entitlement (id, tenant_id, edition, status, stripe_subscription_id, stripe_price_id, valid_until, seats,
                              stripe_updated_at, created_at, updated_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING ${ENTITLEMENT_COLUMNS}`;
export const INSERT_INSTALL_CODE = `INSERT INTO install_code (id, tenant_id, entitlement_id, code_digest, expires_at, live_for_tenant, created_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $1, $5) RETURNING id`;
export const ENQUEUE_EMAIL = `INSERT INTO email_outbox (id, tenant_id, recipient, kind, sealed_message, next_attempt_at, created_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $5) RETURNING id`;
export const INSERT_IDEMPOTENCY = `INSERT INTO idempotency_key (id, scope, key, request_digest, tenant_id, install_code_id, sealed_code, created_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7)`;

// support search: the page (one more row than asked, to know hasNextPage), its relations, and totalCount —
// the statements Prisma sends for tenants(first, filter: { search }) { totalCount edges { node { … } } }
export const SEARCH_PAGE = `SELECT "public"."tenant_registry"."tenant_id", "public"."tenant_registry"."company_name", "public"."tenant_registry"."contact_email", "public"."tenant_registry"."edition"::text, "public"."tenant_registry"."deployment_type"::text, "public"."tenant_registry"."status"::text, "public"."tenant_registry"."stripe_customer_id", "public"."tenant_registry"."created_at", "public"."tenant_registry"."updated_at", "public"."tenant_registry"."installed_at", "public"."tenant_registry"."last_check_in_at", "public"."tenant_registry"."suspended_at", "public"."tenant_registry"."revision" FROM "public"."tenant_registry" WHERE ("public"."tenant_registry"."company_name" ILIKE $1 OR "public"."tenant_registry"."contact_email" ILIKE $2) ORDER BY "public"."tenant_registry"."created_at" DESC, "public"."tenant_registry"."tenant_id" DESC LIMIT $3 OFFSET $4`;
export const SEARCH_ENTITLEMENTS = `SELECT "public"."entitlement"."id", "public"."entitlement"."tenant_id", "public"."entitlement"."edition"::text, "public"."entitlement"."status"::text, "public"."entitlement"."stripe_subscription_id", "public"."entitlement"."stripe_price_id", "public"."entitlement"."valid_until", "public"."entitlement"."past_due_since", "public"."entitlement"."cancelled_at", "public"."entitlement"."seats", "public"."entitlement"."stripe_updated_at", "public"."entitlement"."created_at", "public"."entitlement"."updated_at" FROM "public"."entitlement" WHERE "public"."entitlement"."tenant_id" = ANY($1::uuid[]) ORDER BY "public"."entitlement"."created_at" DESC OFFSET $2`;
export const SEARCH_APPLIANCES = `SELECT "public"."appliance"."id", "public"."appliance"."appliance_id", "public"."appliance"."last_check_in_at", "public"."appliance"."tenant_id" FROM "public"."appliance" WHERE "public"."appliance"."tenant_id" = ANY($1::uuid[]) ORDER BY "public"."appliance"."created_at" ASC OFFSET $2`;
export const SEARCH_INSTALL_CODES = `SELECT "public"."install_code"."id", "public"."install_code"."revoked_at", "public"."install_code"."consumed_at", "public"."install_code"."expires_at", "public"."install_code"."tenant_id" FROM "public"."install_code" WHERE "public"."install_code"."tenant_id" = ANY($1::uuid[]) ORDER BY "public"."install_code"."created_at" DESC OFFSET $2`;
export const SEARCH_COUNT = `SELECT count(*)::int AS n FROM (
       SELECT 1 FROM tenant_registry
        WHERE ($1::"TenantStatus"[] IS NULL OR status = ANY($1))
          AND ($2::"Edition"[] IS NULL OR edition = ANY($2))
          AND ($3::"DeploymentType"[] IS NULL OR deployment_type = ANY($3))
          AND ($4::text IS NULL OR company_name ILIKE $4 OR contact_email ILIKE $4)
        LIMIT $5) matches`;
