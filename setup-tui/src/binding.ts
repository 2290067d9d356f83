// What this appliance is already bound to, before a code is spent: from its database when
// APPLIANCE_DATABASE_URL is set, else from the seeds (or Secrets) a previous install left. The console
// uses it to refuse a code of another organisation on a bootstrapped database, to skip an admin
// password that could not take effect, and to tell the truth about it on the done screen.
import { INITIAL_TENANT_KEYS as T } from "@alga-license/contract";
import { databaseProblem, withApplianceDb } from "./bootstrap/appliance-schema.js";
import type { ApplyTarget } from "./config.js";
import { existingInitialTenant } from "./seeds.js";

export type BindingSource = "database" | "seeds" | "secret";

export type Binding =
  /** nothing installed yet */
  | { kind: "fresh"; source: BindingSource }
  /** the bootstrap ran for this tenant (known from the database, or a seed whose password the chart cleared) */
  | { kind: "bootstrapped"; source: BindingSource; tenantId: string; companyName?: string; adminExists: boolean }
  /** seeds of an earlier run are in place, password included: the bootstrap may or may not have run */
  | { kind: "seeded"; source: BindingSource; tenantId: string }
  | { kind: "unknown"; reason: string };

export async function inspectBinding(o: { databaseUrl?: string; target: ApplyTarget }): Promise<Binding> {
  if (o.databaseUrl) {
    try {
      return await withApplianceDb(o.databaseUrl, async (db) => {
        const table = await db.query<{ t: string | null }>("SELECT to_regclass('tenants')::text AS t");
        if (!table.rows[0]?.t) return { kind: "fresh", source: "database" } as const;
        const r = await db.query<{ tenant_id: string; company_name: string; admin: boolean }>(
          `SELECT t.tenant_id, t.company_name, EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = t.tenant_id AND u.role = 'admin') AS admin
             FROM tenants t ORDER BY t.created_at LIMIT 1`,
        );
        const row = r.rows[0];
        return row
          ? ({ kind: "bootstrapped", source: "database", tenantId: row.tenant_id, companyName: row.company_name, adminExists: row.admin } as const)
          : ({ kind: "fresh", source: "database" } as const);
      });
    } catch (err) {
      return { kind: "unknown", reason: `the appliance database could not be read (${databaseProblem(err)})` };
    }
  }
  const source: BindingSource = o.target.kubectl ? "secret" : "seeds";
  try {
    const seed = await existingInitialTenant(o.target);
    const tenantId = seed?.[T.tenantId];
    if (!tenantId) return { kind: "fresh", source };
    // the appliance chart clears the password once the bootstrap created the admin
    return seed[T.adminPassword]
      ? { kind: "seeded", source, tenantId }
      : { kind: "bootstrapped", source, tenantId, companyName: seed[T.companyName], adminExists: true };
  } catch (err) {
    return { kind: "unknown", reason: `the existing seeds could not be read (${(err as Error).message})` };
  }
}

/** Whether an admin password chosen now would take effect for a code of tenantId. */
export function passwordTakesEffect(b: Binding, tenantId: string): "yes" | "no" | "unsure" {
  if (b.kind === "fresh") return "yes";
  if (b.kind === "bootstrapped" && b.tenantId === tenantId) return b.adminExists ? "no" : "yes";
  return "unsure";
}

/** A bootstrapped database of another tenant refuses this code's seeds: say so before the code is spent. */
export function otherOrganisation(b: Binding, tenantId: string, companyName: string): string | null {
  if (b.kind !== "bootstrapped" || b.source !== "database" || b.tenantId === tenantId) return null;
  return (
    `This appliance's database is already set up for ${b.companyName ?? "another organisation"} (tenant ${b.tenantId}); ` +
    `this code is for ${companyName} (tenant ${tenantId}). The bootstrap would refuse it. Use a fresh appliance database, ` +
    `or an install code for tenant ${b.tenantId}. The code was not used.`
  );
}

/** One line for the welcome screen. */
export function describeBinding(b: Binding): string {
  switch (b.kind) {
    case "fresh":
      return "not set up yet";
    case "bootstrapped":
      return `set up for ${b.companyName ?? "tenant"} (${b.tenantId})`;
    case "seeded":
      return `seeds for tenant ${b.tenantId} are in place`;
    case "unknown":
      return `unknown: ${b.reason}`;
  }
}
