// Contract error codes (DESIGN.md "Errors"). Domain code throws DomainError; the GraphQL layer
// passes these through with extensions.code and masks everything else as INTERNAL_SERVER_ERROR.
import { GraphQLError } from "graphql";

export const ERROR_CODES = [
  "INVALID_INSTALL_CODE",
  "EXPIRED_INSTALL_CODE",
  "CONSUMED_INSTALL_CODE",
  "REVOKED_INSTALL_CODE",
  "TENANT_NOT_FOUND",
  "AMBIGUOUS_TENANT",
  "APPLIANCE_NOT_FOUND",
  "TENANT_SUSPENDED",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "BAD_USER_INPUT",
  "RATE_LIMITED",
  "INTERNAL_SERVER_ERROR",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    extra: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { code, ...extra } });
    this.name = "DomainError";
  }
}

export const badInput = (message: string, field?: string) =>
  new DomainError("BAD_USER_INPUT", message, field ? { field } : {});
