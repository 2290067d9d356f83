// The store's client for the alga-license control plane. Typed from the API's SDL (graphql-codegen).
import { randomUUID } from "node:crypto";
import {
  ActivateOfflineDocument,
  RenewOfflineDocument,
  type ActivateOfflineMutation,
  type RenewOfflineMutation,
  CancelEntitlementDocument,
  DeadMailDocument,
  RetryDeadMailDocument,
  type OutboxEmailFieldsFragment,
  ChangeEntitlementEditionDocument,
  ExtendEntitlementDocument,
  FindTenantsDocument,
  GetTenantEntitlementDocument,
  GrantEntitlementDocument,
  MarkEntitlementPastDueDocument,
  OverdueAppliancesDocument,
  type OverdueAppliancesQuery,
  type OverdueAppliancesQueryVariables,
  SetEntitlementSeatsDocument,
  GetTenantDocument,
  RegisterTenantDocument,
  ReissueInstallCodeDocument,
  type CancelEntitlementInput,
  type ChangeEntitlementEditionInput,
  type EntitlementChangeFragment,
  type ExtendEntitlementInput,
  type FindTenantsQuery,
  type GetTenantEntitlementQuery,
  type GrantEntitlementInput,
  type MarkEntitlementPastDueInput,
  type SetEntitlementSeatsInput,
  type FindTenantsQueryVariables,
  type GetTenantQuery,
  type RegisterTenantInput,
  type RegisterTenantMutation,
  type ReissueInstallCodeInput,
  type ReissueInstallCodeMutation,
  type TypedDocumentString,
} from "./generated/graphql.js";
import { execute, graphqlEndpoint, type TransportOptions } from "@alga-license/contract";

export interface StoreClientOptions {
  /** default: ALGA_LICENSE_URL */
  baseUrl?: string;
  /** a store (or support/admin) API key; default: ALGA_LICENSE_API_KEY */
  apiKey?: string;
  /** per-request timeout in ms (default 10000) */
  timeoutMs?: number;
  /** retries after the first attempt on network errors, timeouts and 5xx (default 3) */
  retries?: number;
  /** first retry delay in ms, doubled per attempt (default 250) */
  retryDelayMs?: number;
  /** custom fetch (proxies, tests) */
  fetch?: typeof fetch;
}

export type RegisteredTenant = RegisterTenantMutation["registerTenant"] & { idempotencyKey: string };
export type ReissuedInstallCode = ReissueInstallCodeMutation["reissueInstallCode"];
export type OfflineActivation = ActivateOfflineMutation["activateOffline"];
export type OfflineRenewal = RenewOfflineMutation["renewOffline"];
export type TenantDetails = NonNullable<GetTenantQuery["tenant"]>;
export type TenantPage = FindTenantsQuery["tenants"];
export type FindTenantsOptions = FindTenantsQueryVariables;
export type TenantEntitlement = NonNullable<GetTenantEntitlementQuery["tenant"]>;
export type EntitlementHistoryEvent = TenantEntitlement["entitlementHistory"][number];
export type EntitlementChange = EntitlementChangeFragment;
export type OverdueAppliancePage = OverdueAppliancesQuery["overdueAppliances"];
export type OverdueAppliancesOptions = OverdueAppliancesQueryVariables;
export type OutboxEmail = OutboxEmailFieldsFragment;

export interface StoreClient {
  /**
   * Registers a customer: tenant, install code, ISO link; the customer is emailed.
   * Retries reuse one idempotency key (yours, or one generated here), so a retry never creates a
   * second tenant. Keep the returned `idempotencyKey` with your order to retry safely later.
   */
  registerTenant(input: RegisterTenantInput): Promise<RegisteredTenant>;
  /** Revokes unused codes and issues a fresh one for the same tenant (by contactEmail or tenantId). */
  reissueInstallCode(input: ReissueInstallCodeInput): Promise<ReissuedInstallCode>;
  /** Support/admin keys: a tenant with its codes (states only) and appliances, or null. */
  getTenant(id: string): Promise<TenantDetails | null>;
  /** Support/admin keys: one page of tenants, newest first. */
  findTenants(options?: FindTenantsOptions): Promise<TenantPage>;
  /**
   * Support/admin keys: a tenant's current entitlement, seats and seats used, every entitlement, and
   * the entitlement history (newest `last` audit events, default 50), or null for an unknown tenant.
   */
  getEntitlement(tenantId: string, options?: { last?: number }): Promise<TenantEntitlement | null>;
  /** Admin key: a new entitlement for a tenant without a live one (refused while one is live). */
  grantEntitlement(input: GrantEntitlementInput): Promise<EntitlementChange>;
  /** Admin key: PRO ↔ PREMIUM; appliances get it at their next check-in. */
  changeEntitlementEdition(input: ChangeEntitlementEditionInput): Promise<EntitlementChange>;
  /** Admin key: seats; fewer than licensed appliances retires the least recently checked-in ones. */
  setEntitlementSeats(input: SetEntitlementSeatsInput): Promise<EntitlementChange>;
  /** Admin key: a new validUntil (or openEnded); reinstates a PAST_DUE or EXPIRED entitlement. */
  extendEntitlement(input: ExtendEntitlementInput): Promise<EntitlementChange>;
  /** Admin key: payment overdue; licensed until validUntil + grace, then lapsed. */
  markEntitlementPastDue(input: MarkEntitlementPastDueInput): Promise<EntitlementChange>;
  /** Admin key: ends the entitlement now (check-in answers ENTITLEMENT_LAPSED). */
  cancelEntitlement(input: CancelEntitlementInput): Promise<EntitlementChange>;
  /**
   * Store, support or admin key: an air-gapped appliance's activation request file (its text, or the
   * bare JWS) → the response file's text for the appliance. Consumes the install code like a redemption.
   */
  activateOffline(request: string): Promise<OfflineActivation>;
  /** Store, support or admin key: an offline appliance's renewal request → the response file with its new license. */
  renewOffline(request: string): Promise<OfflineRenewal>;
  /** Support/admin keys: appliances of every tenant in the given health (default OVERDUE and DARK), longest in it first. */
  overdueAppliances(options?: OverdueAppliancesOptions): Promise<OverdueAppliancePage>;
  /** Admin key: the emails the outbox gave up on (DEAD), newest first (`last`: default 50, at most 500). */
  deadMail(options?: { last?: number }): Promise<OutboxEmail[]>;
  /** Admin key: a DEAD email back to PENDING, its attempts reset; the outbox sends it at once (audited). */
  retryDeadMail(id: string): Promise<OutboxEmail>;
}

const VERSION = "0.1.0";

export function createStoreClient(options: StoreClientOptions = {}): StoreClient {
  const baseUrl = options.baseUrl ?? process.env.ALGA_LICENSE_URL;
  if (!baseUrl) throw new TypeError("alga-license base URL missing: pass the baseUrl option or set ALGA_LICENSE_URL (e.g. https://license.example.com)");
  const transport: TransportOptions = {
    endpoint: graphqlEndpoint(baseUrl),
    token: options.apiKey ?? process.env.ALGA_LICENSE_API_KEY,
    timeoutMs: options.timeoutMs ?? 10_000,
    retries: options.retries ?? 3,
    retryDelayMs: options.retryDelayMs ?? 250,
    fetch: options.fetch ?? globalThis.fetch,
    userAgent: `@alga-license/store-client/${VERSION}`,
  };
  const run = <R, V>(doc: TypedDocumentString<R, V>, variables: V) => execute<R>(transport, doc.toString(), variables);

  return {
    async registerTenant(input) {
      const idempotencyKey = input.idempotencyKey ?? randomUUID();
      const data = await run(RegisterTenantDocument, { input: { ...input, idempotencyKey } });
      return { ...data.registerTenant, idempotencyKey };
    },
    async activateOffline(request) {
      return (await run(ActivateOfflineDocument, { input: { request } })).activateOffline;
    },
    async renewOffline(request) {
      return (await run(RenewOfflineDocument, { input: { request } })).renewOffline;
    },
    async reissueInstallCode(input) {
      return (await run(ReissueInstallCodeDocument, { input })).reissueInstallCode;
    },
    async getTenant(id) {
      return (await run(GetTenantDocument, { id })).tenant ?? null;
    },
    async findTenants(vars = {}) {
      return (await run(FindTenantsDocument, vars)).tenants;
    },
    async getEntitlement(tenantId, o = {}) {
      return (await run(GetTenantEntitlementDocument, { id: tenantId, last: o.last })).tenant ?? null;
    },
    async grantEntitlement(input) {
      return (await run(GrantEntitlementDocument, { input })).grantEntitlement;
    },
    async changeEntitlementEdition(input) {
      return (await run(ChangeEntitlementEditionDocument, { input })).changeEntitlementEdition;
    },
    async setEntitlementSeats(input) {
      return (await run(SetEntitlementSeatsDocument, { input })).setEntitlementSeats;
    },
    async extendEntitlement(input) {
      return (await run(ExtendEntitlementDocument, { input })).extendEntitlement;
    },
    async markEntitlementPastDue(input) {
      return (await run(MarkEntitlementPastDueDocument, { input })).markEntitlementPastDue;
    },
    async cancelEntitlement(input) {
      return (await run(CancelEntitlementDocument, { input })).cancelEntitlement;
    },
    async overdueAppliances(vars = {}) {
      return (await run(OverdueAppliancesDocument, vars)).overdueAppliances;
    },
    async deadMail(o = {}) {
      return (await run(DeadMailDocument, { last: o.last })).deadMail;
    },
    async retryDeadMail(id) {
      return (await run(RetryDeadMailDocument, { input: { id } })).retryDeadMail;
    },
  };
}
