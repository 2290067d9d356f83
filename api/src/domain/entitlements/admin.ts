// Admin changes to a tenant's entitlement, for vendors who bill outside Stripe (or correct what Stripe
// said): grant, change edition, change seats, extend, mark past due, cancel. Each is one transaction
// under the tenant's row lock with its audit event (apply-change.ts). They act on the tenant's current
// entitlement (its newest); a Stripe-billed one is overwritten again by its subscription's next event.
import { currentEntitlement, listEntitlements, type EntitlementRow } from "../../data/entitlements.js";
import { lockTenant, type TenantRow } from "../../data/tenants.js";
import { isUniqueViolation, transaction, type Queryable } from "../../db/sql.js";
import type { Edition } from "../../generated/prisma/enums.js";
import { badInput, DomainError } from "../errors.js";
import { latestValidUntil, licenseTerms, MAX_VALID_UNTIL_YEARS } from "../license-terms.js";
import type { Actor } from "../principal.js";
import type { Services } from "../services.js";
import { optionalText, requireUuid } from "../validate.js";
import { applyEntitlementChange, supersedeOthers, type ChangeResult } from "./apply-change.js";
import { refuseEndedSubscription } from "./ended-subscription.js";
import { isSeatCount, MAX_SEATS } from "./seats.js";
import { inGoodStanding, stateOf } from "./states.js";

export interface EntitlementChange {
  tenantId: string;
  entitlement: EntitlementRow;
  changed: boolean;
  retiredApplianceIds: string[];
}

function requireSeats(seats: number): number {
  if (!isSeatCount(seats)) throw badInput(`seats must be a whole number from 1 to ${MAX_SEATS}`, "seats");
  return seats;
}

function requirePaidEdition(edition: Edition): Edition {
  if (edition === "ESSENTIALS") throw badInput("ESSENTIALS needs no entitlement: cancel the entitlement instead", "edition");
  return edition;
}

function requireFuture(validUntil: Date | null | undefined, now: Date): Date | null {
  if (validUntil == null) return null;
  if (Number.isNaN(validUntil.getTime())) throw badInput("validUntil is not a valid date-time", "validUntil");
  if (validUntil <= now) throw badInput("validUntil must be in the future (to end an entitlement, mark it past due or cancel it)", "validUntil");
  if (validUntil > latestValidUntil(now)) {
    throw badInput(`validUntil must be at most ${MAX_VALID_UNTIL_YEARS} years ahead (for no end, grant or extend it open-ended)`, "validUntil");
  }
  return validUntil;
}

type Step = (tx: Queryable, tenant: TenantRow, current: EntitlementRow | null, now: Date) => Promise<ChangeResult>;

/** Locks the tenant, loads its current entitlement and runs one change, in one transaction (`first` runs before the lock). */
async function onTenant(s: Services, tenantId: string, step: Step, first?: (tx: Queryable) => Promise<void>): Promise<EntitlementChange> {
  const id = requireUuid(tenantId, "tenantId");
  const r = await transaction(s.db, async (tx) => {
    await first?.(tx);
    const now = s.clock();
    const tenant = await lockTenant(tx, id);
    if (!tenant) throw new DomainError("TENANT_NOT_FOUND", "No tenant has this id.");
    return step(tx, tenant, await currentEntitlement(tx, id), now);
  });
  return { tenantId: id, entitlement: r.entitlement, changed: r.changed, retiredApplianceIds: r.retiredApplianceIds };
}

function requireCurrent(current: EntitlementRow | null): EntitlementRow {
  if (!current) {
    throw new DomainError("BAD_USER_INPUT", "This tenant has no entitlement (it runs ESSENTIALS): grant one first.", {
      field: "tenantId",
      reason: "NO_ENTITLEMENT",
    });
  }
  return current;
}

const adminDetails = (reason: string | undefined) => ({ source: "admin", ...(reason ? { reason } : {}) });

export interface GrantInput {
  tenantId: string;
  edition: Edition;
  /** null or absent: open-ended (until cancelled) */
  validUntil?: Date | null;
  seats?: number | null;
  stripeSubscriptionId?: string | null;
  reason?: string | null;
}

/**
 * A new entitlement for a tenant without a licensing one (ESSENTIALS, cancelled, expired, or past its
 * grace). A live one is changed, not replaced: granting over it is refused. An ESSENTIALS appliance
 * then connects with a re-issued install code (reissueInstallCode mints with this entitlement).
 */
export async function grantEntitlement(s: Services, actor: Actor, input: GrantInput): Promise<EntitlementChange> {
  const edition = requirePaidEdition(input.edition);
  const seats = requireSeats(input.seats ?? 1);
  const reason = optionalText(input.reason, "reason", 500);
  const subscription = optionalText(input.stripeSubscriptionId, "stripeSubscriptionId");
  try {
    return await onTenant(
      s,
      input.tenantId,
      async (tx, tenant, current, now) => {
        const validUntil = requireFuture(input.validUntil, now);
        const terms = licenseTerms(current, now, { licenseTtlSeconds: s.licenseTtlSeconds, graceSeconds: s.entitlements.graceSeconds });
        if (terms.kind === "paid") {
          throw new DomainError(
            "BAD_USER_INPUT",
            `This tenant already has a live ${current!.edition} entitlement (${current!.status}): change its edition, seats or validUntil instead, or cancel it first.`,
            { field: "tenantId", reason: "ENTITLEMENT_EXISTS", entitlementId: current!.id },
          );
        }
        const r = await applyEntitlementChange(tx, actor, {
          tenant,
          entitlement: null,
          patch: {},
          create: { tenantId: tenant.id, edition, validUntil, seats, stripeSubscriptionId: subscription ?? null, now },
          details: adminDetails(reason),
          now,
        });
        // a lapsed-by-time PAST_DUE row must not stay "live" beside the new one
        await supersedeOthers(tx, actor, tenant, r.entitlement.id, await listEntitlements(tx, tenant.id), adminDetails(reason), now);
        return r;
      },
      subscription ? (tx) => refuseEndedSubscription(tx, subscription) : undefined,
    );
  } catch (err) {
    if (isUniqueViolation(err, "entitlement_stripe_subscription_id_key")) {
      throw badInput("stripeSubscriptionId already belongs to another entitlement", "stripeSubscriptionId");
    }
    throw err;
  }
}

export async function changeEntitlementEdition(
  s: Services,
  actor: Actor,
  input: { tenantId: string; edition: Edition; reason?: string | null },
): Promise<EntitlementChange> {
  const edition = requirePaidEdition(input.edition);
  const reason = optionalText(input.reason, "reason", 500);
  return onTenant(s, input.tenantId, (tx, tenant, current, now) =>
    applyEntitlementChange(tx, actor, { tenant, entitlement: requireCurrent(current), patch: { edition }, details: adminDetails(reason), now }),
  );
}

/** Fewer seats than licensed appliances retire the excess at once (least recently checked in first, audited). */
export async function setEntitlementSeats(
  s: Services,
  actor: Actor,
  input: { tenantId: string; seats: number; reason?: string | null },
): Promise<EntitlementChange> {
  const seats = requireSeats(input.seats);
  const reason = optionalText(input.reason, "reason", 500);
  return onTenant(s, input.tenantId, (tx, tenant, current, now) =>
    applyEntitlementChange(tx, actor, { tenant, entitlement: requireCurrent(current), patch: { seats }, details: adminDetails(reason), now }),
  );
}

/**
 * A new validUntil (null: open-ended). Payment received: a PAST_DUE or EXPIRED entitlement becomes
 * ACTIVE again. A cancelled one stays cancelled (grant a new one).
 */
export async function extendEntitlement(
  s: Services,
  actor: Actor,
  input: { tenantId: string; validUntil: Date | null; reason?: string | null },
): Promise<EntitlementChange> {
  const reason = optionalText(input.reason, "reason", 500);
  return onTenant(s, input.tenantId, (tx, tenant, current, now) => {
    const e = requireCurrent(current);
    if (stateOf(e.status).terminal) {
      throw new DomainError("BAD_USER_INPUT", "This entitlement is cancelled: grant a new one instead.", {
        field: "tenantId",
        reason: "ENTITLEMENT_CANCELLED",
      });
    }
    const validUntil = requireFuture(input.validUntil, now);
    return applyEntitlementChange(tx, actor, {
      tenant,
      entitlement: e,
      patch: { validUntil, status: "ACTIVE", pastDueSince: null },
      details: adminDetails(reason),
      now,
      action: "entitlement.extended",
    });
  });
}

/** Payment overdue: licensed until validUntil + grace (an open-ended one: from now + grace), then lapsed. */
export async function markEntitlementPastDue(s: Services, actor: Actor, input: { tenantId: string; reason?: string | null }): Promise<EntitlementChange> {
  const reason = optionalText(input.reason, "reason", 500);
  return onTenant(s, input.tenantId, (tx, tenant, current, now) => {
    const e = requireCurrent(current);
    if (!inGoodStanding(e.status)) {
      throw new DomainError("BAD_USER_INPUT", `This entitlement is ${e.status}, not ACTIVE.`, { field: "tenantId", reason: "NOT_ACTIVE" });
    }
    return applyEntitlementChange(tx, actor, { tenant, entitlement: e, patch: { status: "PAST_DUE", pastDueSince: now }, details: adminDetails(reason), now });
  });
}

/** Ends the entitlement now: the next check-in answers ENTITLEMENT_LAPSED. Cancelling twice changes nothing. */
export async function cancelEntitlement(s: Services, actor: Actor, input: { tenantId: string; reason?: string | null }): Promise<EntitlementChange> {
  const reason = optionalText(input.reason, "reason", 500);
  return onTenant(s, input.tenantId, (tx, tenant, current, now) => {
    const e = requireCurrent(current);
    if (stateOf(e.status).terminal) return Promise.resolve({ entitlement: e, changed: false, action: null, retiredApplianceIds: [] });
    return applyEntitlementChange(tx, actor, {
      tenant,
      entitlement: e,
      patch: { status: "CANCELLED", cancelledAt: now, pastDueSince: null },
      details: adminDetails(reason),
      now,
    });
  });
}
