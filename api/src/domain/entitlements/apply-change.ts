// The one way an entitlement changes, whoever drives it (an admin, a Stripe event). The caller holds
// the tenant's row lock (lockTenant) inside its transaction; this writes the change, retires licensed
// appliances beyond a reduced seat count (oldest check-in first), bumps the tenant revision (a racing
// check-in then decides again instead of undoing the change), keeps tenant_registry.edition in step
// with the current entitlement, and writes the entitlement.* audit event support reads as history.
import { otherLicensedAppliances, revokeCredentials } from "../../data/appliances.js";
import { insertAudit } from "../../data/audit.js";
import { currentEntitlement, insertEntitlement, updateEntitlement, type EntitlementPatch, type EntitlementRow } from "../../data/entitlements.js";
import { bumpRevision, setTenantEdition, type TenantRow } from "../../data/tenants.js";
import type { Queryable } from "../../db/sql.js";
import type { Edition } from "../../generated/prisma/enums.js";
import type { Actor } from "../principal.js";
import { actionFor, creationTime, planPatch, recountsSeats, shown, type Changes, type EntitlementAction } from "./change-decision.js";
import { isLive } from "./states.js";

export type { EntitlementAction } from "./change-decision.js";

export interface ChangeResult {
  entitlement: EntitlementRow;
  /** false when the patch changed nothing (no revision bump, no audit event) */
  changed: boolean;
  action: EntitlementAction | null;
  retiredApplianceIds: string[];
}

/** The registry's edition: the current entitlement's while it is live, else ESSENTIALS. */
async function syncTenant(tx: Queryable, tenant: TenantRow, now: Date): Promise<{ current: EntitlementRow | null }> {
  await bumpRevision(tx, tenant.id, now);
  const current = await currentEntitlement(tx, tenant.id);
  const edition: Edition = isLive(current) ? current.edition : "ESSENTIALS";
  if (edition !== tenant.edition) await setTenantEdition(tx, tenant.id, edition, now);
  return { current };
}

/** Seats are enforced on the current live entitlement: the licensed appliances beyond them lose their credential. */
async function retireBeyondSeats(tx: Queryable, actor: Actor, tenantId: string, e: EntitlementRow, now: Date): Promise<string[]> {
  if (!isLive(e)) return [];
  const licensed = await otherLicensedAppliances(tx, tenantId, null); // least recently checked in first
  const excess = licensed.slice(0, Math.max(0, licensed.length - e.seats));
  await revokeCredentials(
    tx,
    excess.map((a) => a.id),
    "seat-limit",
    now,
  );
  for (const a of excess) {
    await insertAudit(
      tx,
      actor,
      "appliance.credential_retired",
      tenantId,
      { applianceId: a.applianceId, reason: "seat-limit", seats: e.seats, entitlementId: e.id },
      now,
    );
  }
  return excess.map((a) => a.applianceId);
}

export interface ChangeInput {
  tenant: TenantRow;
  /** the entitlement to change; null creates one from `create` */
  entitlement: EntitlementRow | null;
  patch: EntitlementPatch;
  create?: Parameters<typeof insertEntitlement>[1];
  /** extra audit details: source, reason, Stripe event id… */
  details: Record<string, unknown>;
  now: Date;
  /** the action to record instead of the derived one (e.g. a renewal by invoice) */
  action?: EntitlementAction;
}

export async function applyEntitlementChange(tx: Queryable, actor: Actor, c: ChangeInput): Promise<ChangeResult> {
  const before = c.entitlement;
  let after: EntitlementRow;
  let changes: Changes = {};
  if (!before) {
    if (!c.create) throw new Error("applyEntitlementChange: no entitlement and nothing to create");
    after = await insertEntitlement(tx, { ...c.create, now: creationTime(await currentEntitlement(tx, c.tenant.id), c.create.now) });
  } else {
    const plan = planPatch(before, c.patch);
    if (plan.kind === "unchanged") {
      const entitlement = plan.stampOnly ? await updateEntitlement(tx, before.id, { stripeUpdatedAt: c.patch.stripeUpdatedAt }, c.now) : before;
      return { entitlement, changed: false, action: null, retiredApplianceIds: [] };
    }
    changes = plan.changes;
    after = await updateEntitlement(tx, before.id, c.patch, c.now);
  }

  const { current } = await syncTenant(tx, c.tenant, c.now);
  const isCurrent = current?.id === after.id;
  const retired = isCurrent && recountsSeats(before, after, changes) ? await retireBeyondSeats(tx, actor, c.tenant.id, after, c.now) : [];
  const action = c.action ?? actionFor(before, after, changes);
  await insertAudit(
    tx,
    actor,
    action,
    c.tenant.id,
    {
      entitlementId: after.id,
      ...(before
        ? { changes }
        : {
            edition: after.edition,
            status: after.status,
            validUntil: shown(after.validUntil),
            seats: after.seats,
            stripeSubscriptionId: after.stripeSubscriptionId,
          }),
      ...(isCurrent ? {} : { current: false }),
      ...(retired.length ? { retiredApplianceIds: retired } : {}),
      ...c.details,
    },
    c.now,
  );
  return { entitlement: after, changed: true, action, retiredApplianceIds: retired };
}

/** Live entitlements other than `keep` are cancelled when a newer one takes over (one subscription at a time). */
export async function supersedeOthers(
  tx: Queryable,
  actor: Actor,
  tenant: TenantRow,
  keepId: string,
  rows: EntitlementRow[],
  details: Record<string, unknown>,
  now: Date,
): Promise<void> {
  for (const e of rows) {
    if (e.id === keepId || !isLive(e)) continue;
    await applyEntitlementChange(tx, actor, {
      tenant,
      entitlement: e,
      patch: { status: "CANCELLED", cancelledAt: now },
      details: { ...details, supersededBy: keepId },
      now,
    });
  }
}
