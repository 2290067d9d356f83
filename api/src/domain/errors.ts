// Domain errors are plain errors carrying a contract code (defined once in @alga-license/contract);
// the GraphQL edge maps them to extensions.code (http/graphql-errors.ts). Nothing here knows GraphQL.
import type { ErrorCode } from "@alga-license/contract";

export type { ErrorCode };

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** extra fields for extensions (e.g. field, retryAfterSeconds, tenants) */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const badInput = (message: string, field?: string) => new DomainError("BAD_USER_INPUT", message, field ? { field } : {});
