// Appliance health (the fleet sweep's judgement, domain/appliance-health.ts) on Appliance, and the
// support view of the fleet: overdueAppliances across tenants, longest in that state first.
import { APPLIANCE_HEALTHS } from "../domain/appliance-health.js";
import { ApplianceHealth } from "../generated/prisma/enums.js";
import { ApplianceType } from "./appliance.js";
import { builder } from "./builder.js";
import { TenantType } from "./tenant.js";

const supportOnly = { authScopes: { support: true, admin: true } } as const;

export const ApplianceHealthEnum = builder.enumType(ApplianceHealth, {
  name: "ApplianceHealth",
  description:
    "HEALTHY: checked in within APPLIANCE_OVERDUE_HOURS. OVERDUE: no check-in that long, its license still valid. DARK: its license expired with no check-in " +
    "(offline: its license file ran out unrenewed). OFFLINE: activated by file, its renewal date ahead.",
});

builder.prismaObjectFields(ApplianceType, (t) => ({
  health: t.expose("health", {
    type: ApplianceHealthEnum,
    nullable: true,
    description: "As of the last fleet sweep (FLEET_SWEEP_INTERVAL_MS). null: not tracked (no live credential) or not judged yet.",
  }),
  healthChangedAt: t.expose("healthChangedAt", { type: "DateTime", nullable: true, description: "since when `health` holds" }),
  tenant: t.relation("tenant", { ...supportOnly, type: TenantType }),
}));

builder.queryFields((t) => ({
  overdueAppliances: t.prismaConnection(
    {
      ...supportOnly,
      type: ApplianceType,
      cursor: "id",
      defaultSize: 50,
      maxSize: 500,
      description: "Appliances of every tenant in the given health (default OVERDUE and DARK), longest in it first.",
      args: { health: t.arg({ type: [ApplianceHealthEnum], required: false }) },
      resolve: (query, _root, args, ctx) => {
        const health = args.health?.length ? args.health : (["OVERDUE", "DARK"] as const);
        return ctx.services.prisma.appliance.findMany({
          ...query,
          where: { health: { in: [...health].filter((h) => (APPLIANCE_HEALTHS as readonly string[]).includes(h)) } },
          orderBy: [{ healthChangedAt: "asc" }, { id: "asc" }],
        });
      },
    },
    { name: "ApplianceConnection" },
    { name: "ApplianceEdge" },
  ),
}));
