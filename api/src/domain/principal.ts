// Who is calling. API keys map to store/support/admin; an appliance authenticates with its credential.
export type StaffRole = "store" | "support" | "admin";

export type Principal =
  | { kind: StaffRole; apiKeyId: string; name: string }
  | { kind: "appliance"; applianceRowId: string; applianceId: string; tenantId: string }
  | { kind: "anonymous" };

/** The calling context every domain operation receives (for audit, rate limits and logs). */
export interface Actor {
  principal: Principal;
  requestId: string;
  clientAddress: string;
}

export function principalRef(p: Principal): { principalType: string; principalId: string | null } {
  switch (p.kind) {
    case "appliance":
      return { principalType: "appliance", principalId: p.applianceId };
    case "anonymous":
      return { principalType: "anonymous", principalId: null };
    default:
      return { principalType: p.kind, principalId: p.apiKeyId };
  }
}
