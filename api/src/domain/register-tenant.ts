// registerTenant: registry row, (paid) entitlement, install code, ISO link and email, in one
// transaction. A retried idempotencyKey returns the original tenant and code, never a second tenant.
import { createHash } from "node:crypto";
import { insertAudit } from "../data/audit.js";
import { insertEntitlement } from "../data/entitlements.js";
import { findIdempotency, IDEMPOTENCY_CONSTRAINT, insertIdempotency } from "../data/idempotency.js";
import { insertTenant } from "../data/tenants.js";
import { isUniqueViolation, transaction } from "../db/sql.js";
import type { DeploymentType, Edition } from "../generated/prisma/enums.js";
import { isPaid } from "../license/features.js";
import { badInput, DomainError } from "./errors.js";
import { refuseEndedSubscription } from "./entitlements/ended-subscription.js";
import { mintInstallCode } from "./mint-install-code.js";
import type { Actor } from "./principal.js";
import type { Services } from "./services.js";
import { optionalText, requireEmail, requireText } from "./validate.js";

export interface RegisterTenantInput {
  companyName: string;
  contactEmail: string;
  edition: Edition;
  deploymentType?: DeploymentType | null;
  stripeCustomerId?: string | null;
  stripeSubscriptionId?: string | null;
  idempotencyKey?: string | null;
}

export interface RegisterTenantResult {
  tenantId: string;
  installCode: string;
  installCodeExpiresAt: Date;
  downloadUrl: string;
  downloadUrlExpiresAt: Date;
  replayed: boolean;
}

function normalize(input: RegisterTenantInput) {
  const edition = input.edition;
  const stripeSubscriptionId = optionalText(input.stripeSubscriptionId, "stripeSubscriptionId") ?? null;
  if (!isPaid(edition) && stripeSubscriptionId) {
    throw badInput("stripeSubscriptionId applies to paid editions only", "stripeSubscriptionId");
  }
  return {
    companyName: requireText(input.companyName, "companyName"),
    contactEmail: requireEmail(input.contactEmail),
    edition,
    deploymentType: input.deploymentType ?? "APPLIANCE",
    stripeCustomerId: optionalText(input.stripeCustomerId, "stripeCustomerId") ?? null,
    stripeSubscriptionId,
  };
}

/** Absent (or null) means no idempotency; a blank key is refused, never read as "none" (a retry would then duplicate). */
function idempotencyKeyOf(value: string | null | undefined): string | undefined {
  if (value == null) return undefined;
  if (value.trim() === "")
    throw badInput("idempotencyKey must not be empty or blank: omit it (or send null) to register without idempotency", "idempotencyKey");
  return requireText(value, "idempotencyKey", 255);
}

export async function registerTenant(s: Services, actor: Actor, input: RegisterTenantInput): Promise<RegisterTenantResult> {
  const data = normalize(input);
  const idempotencyKey = idempotencyKeyOf(input.idempotencyKey);
  const scope = idempotencyScope(actor);
  const requestDigest = createHash("sha256").update(JSON.stringify(data)).digest("hex");

  if (idempotencyKey) {
    const replay = await replayRegistration(s, scope, idempotencyKey, requestDigest);
    if (replay) return replay;
  }

  // Presign before writing: if the object store is misconfigured nothing is written.
  const link = await s.isoLinks.presign();
  try {
    const result = await transaction(s.db, async (tx) => {
      if (data.stripeSubscriptionId) await refuseEndedSubscription(tx, data.stripeSubscriptionId);
      const now = s.clock();
      const tenant = await insertTenant(tx, { ...data, now });
      const entitlement = isPaid(data.edition)
        ? await insertEntitlement(tx, { tenantId: tenant.id, edition: data.edition, stripeSubscriptionId: data.stripeSubscriptionId, now })
        : null;
      const code = await mintInstallCode(tx, s, tenant, { edition: data.edition, entitlementId: entitlement?.id ?? null }, link, false, now);
      if (idempotencyKey) {
        await insertIdempotency(tx, {
          scope,
          key: idempotencyKey,
          requestDigest,
          tenantId: tenant.id,
          installCodeId: code.id,
          sealedCode: s.secret.seal(code.installCode),
          now,
        });
      }
      await insertAudit(
        tx,
        actor,
        "tenant.registered",
        tenant.id,
        { edition: data.edition, deploymentType: data.deploymentType, entitlementId: entitlement?.id ?? null, installCodeId: code.id },
        now,
      );
      return {
        tenantId: tenant.id,
        installCode: code.installCode,
        installCodeExpiresAt: code.installCodeExpiresAt,
        downloadUrl: link.url,
        downloadUrlExpiresAt: link.expiresAt,
        replayed: false,
      };
    });
    s.mailQueued?.();
    return result;
  } catch (err) {
    // A concurrent request with the same key won the race: answer with its result.
    if (idempotencyKey && isUniqueViolation(err, IDEMPOTENCY_CONSTRAINT)) {
      const replay = await replayRegistration(s, scope, idempotencyKey, requestDigest);
      if (replay) return replay;
    }
    if (isUniqueViolation(err, "entitlement_stripe_subscription_id_key")) {
      throw badInput("stripeSubscriptionId already belongs to another tenant's entitlement", "stripeSubscriptionId");
    }
    throw err;
  }
}

/** Idempotency keys are per API key, so two stores can never collide. */
function idempotencyScope(actor: Actor): string {
  const p = actor.principal;
  return "apiKeyId" in p ? `api-key:${p.apiKeyId}` : p.kind;
}

/** Why a completed registration's code cannot be replayed (extensions.reason). */
const GONE = {
  REDEEMED: { what: "its install code has since been redeemed", reason: "CODE_REDEEMED" },
  REVOKED: { what: "its install code has since been revoked (a newer code was issued)", reason: "CODE_REVOKED" },
  EXPIRED: { what: "its install code has since expired", reason: "CODE_EXPIRED" },
} as const;

async function replayRegistration(s: Services, scope: string, key: string, requestDigest: string): Promise<RegisterTenantResult | null> {
  const record = await findIdempotency(s.db, scope, key);
  if (!record) return null;
  if (record.requestDigest !== requestDigest) {
    throw badInput("idempotencyKey was already used with different input", "idempotencyKey");
  }
  // A code that can no longer be redeemed is never handed out again, whether or not housekeeping has
  // wiped its sealed copy yet (it does so only once the code is unusable): the caller learns why and
  // which tenant to re-issue for.
  const now = s.clock();
  const why = record.codeConsumedAt ? GONE.REDEEMED : record.codeRevokedAt ? GONE.REVOKED : record.codeExpiresAt <= now ? GONE.EXPIRED : null;
  const sealedCode = record.sealedCode;
  if (why || !sealedCode) {
    const { what, reason } = why ?? GONE.EXPIRED;
    throw new DomainError(
      "BAD_USER_INPUT",
      `This registration was already completed (tenant ${record.tenantId}) and ${what}, so it cannot be replayed. Use reissueInstallCode with this tenantId for a fresh code.`,
      { field: "idempotencyKey", tenantId: record.tenantId, reason },
    );
  }
  const link = await s.isoLinks.presign();
  return {
    tenantId: record.tenantId,
    installCode: s.secret.unseal(sealedCode),
    installCodeExpiresAt: record.codeExpiresAt,
    downloadUrl: link.url,
    downloadUrlExpiresAt: link.expiresAt,
    replayed: true,
  };
}
