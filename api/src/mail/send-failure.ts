// What a failed send says: the mail service is away (retry soon, the attempt not counted), it refused
// this message for now (back off), or it refused it for good (park it as DEAD).
export type FailureKind = "service" | "temporary" | "permanent";

const SERVICE_CODES = new Set(["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS", "ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN", "ETLS"]);

export function classifySendFailure(err: unknown): FailureKind {
  const e = err as { code?: string; responseCode?: number; command?: string };
  if (e.responseCode === 421 || (e.code && SERVICE_CODES.has(e.code))) return "service";
  if (typeof e.responseCode === "number" && e.responseCode >= 500) return "permanent";
  return "temporary";
}
