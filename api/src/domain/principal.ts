// Who is calling. API keys map to store/support/admin; an appliance authenticates with its credential,
// and authentication already loads what a check-in needs (its session).
import type { ApplianceSession } from "../data/appliances.js";

export type StaffRole = "store" | "support" | "admin";

export type Principal =
  | { kind: StaffRole; apiKeyId: string; name: string }
  | ({ kind: "appliance" } & ApplianceSession)
  | { kind: "anonymous"; rejected?: "api-key" | "appliance-credential" }
  /** the service itself (billing webhooks, housekeeping): never an HTTP caller */
  | { kind: "system"; name: string };

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
    case "system":
      return { principalType: "system", principalId: p.name };
    default:
      return { principalType: p.kind, principalId: p.apiKeyId };
  }
}

/** An actor for work the service does on its own (billing webhooks, housekeeping). */
export const systemActor = (name: string, requestId: string): Actor => ({ principal: { kind: "system", name }, requestId, clientAddress: "system" });
