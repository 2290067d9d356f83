// registerTenant: registry row, (paid) entitlement, install code, ISO link and email, in one
// transaction. A retried idempotencyKey returns the original tenant and code, never a second tenant.
import { createHash } from "node:crypto";
import { Prisma } from "../generated/prisma/client.js";
import type { DeploymentType, Edition } from "../generated/prisma/enums.js";
import { isPaid } from "../license/features.js";
import { recordAudit } from "./audit.js";
import { badInput, DomainError } from "./errors.js";
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
  const stripeSubscriptionId = optionalText(input.stripeSubscriptionId, "stripeSubscriptionId");
  if (!isPaid(edition) && stripeSubscriptionId) {
    throw badInput("stripeSubscriptionId applies to paid editions only", "stripeSubscriptionId");
  }
  return {
    companyName: requireText(input.companyName, "companyName"),
    contactEmail: requireEmail(input.contactEmail),
    edition,
    deploymentType: input.deploymentType ?? "APPLIANCE",
    stripeCustomerId: optionalText(input.stripeCustomerId, "stripeCustomerId"),
    stripeSubscriptionId,
  };
}

const isUniqueViolation = (err: unknown) =>
  err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";

export async function registerTenant(s: Services, actor: Actor, input: RegisterTenantInput): Promise<RegisterTenantResult> {
  const data = normalize(input);
  const idempotencyKey = optionalText(input.idempotencyKey, "idempotencyKey", 255);
  const scope = idempotencyScope(actor);
  const requestDigest = createHash("sha256").update(JSON.stringify(data)).digest("hex");

  if (idempotencyKey) {
    const replay = await replayRegistration(s, scope, idempotencyKey, requestDigest);
    if (replay) return replay;
  }

  // Presign before writing: if the object store is misconfigured nothing is written.
  const link = await s.isoLinks.presign();
  try {
    const result = await s.prisma.$transaction(async (tx) => {
      const tenant = await tx.tenantRegistry.create({
        data: {
          companyName: data.companyName,
          contactEmail: data.contactEmail,
          edition: data.edition,
          deploymentType: data.deploymentType,
          stripeCustomerId: data.stripeCustomerId,
        },
      });
      const entitlement = isPaid(data.edition)
        ? await tx.entitlement.create({
            data: { tenantId: tenant.id, edition: data.edition, stripeSubscriptionId: data.stripeSubscriptionId },
          })
        : null;
      const code = await mintInstallCode(tx, s, tenant, entitlement?.id ?? null, link, false);
      if (idempotencyKey) {
        await tx.idempotencyKey.create({
          data: {
            scope,
            key: idempotencyKey,
            requestDigest,
            tenantId: tenant.id,
            installCodeId: code.id,
            sealedCode: s.secret.seal(code.installCode),
          },
        });
      }
      await recordAudit(tx, actor, "tenant.registered", tenant.id, {
        edition: data.edition,
        deploymentType: data.deploymentType,
        entitlementId: entitlement?.id ?? null,
        installCodeId: code.id,
      });
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
    if (idempotencyKey && isUniqueViolation(err)) {
      const replay = await replayRegistration(s, scope, idempotencyKey, requestDigest);
      if (replay) return replay;
    }
    throw err;
  }
}

/** Idempotency keys are per API key, so two stores can never collide. */
function idempotencyScope(actor: Actor): string {
  const p = actor.principal;
  return "apiKeyId" in p ? `api-key:${p.apiKeyId}` : p.kind;
}

async function replayRegistration(
  s: Services,
  scope: string,
  key: string,
  requestDigest: string,
): Promise<RegisterTenantResult | null> {
  const record = await s.prisma.idempotencyKey.findUnique({ where: { scope_key: { scope, key } } });
  if (!record) return null;
  if (record.requestDigest !== requestDigest) {
    throw badInput("idempotencyKey was already used with different input", "idempotencyKey");
  }
  const code = await s.prisma.installCode.findUniqueOrThrow({ where: { id: record.installCodeId } });
  if (!record.sealedCode) {
    throw new DomainError("BAD_USER_INPUT", "idempotencyKey has expired; use reissueInstallCode for this tenant", {
      field: "idempotencyKey",
      tenantId: record.tenantId,
    });
  }
  const link = await s.isoLinks.presign();
  return {
    tenantId: record.tenantId,
    installCode: s.secret.unseal(record.sealedCode),
    installCodeExpiresAt: code.expiresAt,
    downloadUrl: link.url,
    downloadUrlExpiresAt: link.expiresAt,
    replayed: true,
  };
}
