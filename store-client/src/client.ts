// The store's client for the alga-license control plane. Typed from the API's SDL (graphql-codegen).
import { randomUUID } from "node:crypto";
import {
  FindTenantsDocument,
  GetTenantDocument,
  RegisterTenantDocument,
  ReissueInstallCodeDocument,
  type FindTenantsQuery,
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
export type TenantDetails = NonNullable<GetTenantQuery["tenant"]>;
export type TenantPage = FindTenantsQuery["tenants"];
export type FindTenantsOptions = FindTenantsQueryVariables;

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
}

const VERSION = "0.1.0";

export function createStoreClient(options: StoreClientOptions = {}): StoreClient {
  const baseUrl = options.baseUrl ?? process.env.ALGA_LICENSE_URL;
  if (!baseUrl) throw new TypeError("alga-license base URL missing: pass baseUrl or set ALGA_LICENSE_URL");
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
    async reissueInstallCode(input) {
      return (await run(ReissueInstallCodeDocument, { input })).reissueInstallCode;
    },
    async getTenant(id) {
      return (await run(GetTenantDocument, { id })).tenant ?? null;
    },
    async findTenants(vars = {}) {
      return (await run(FindTenantsDocument, vars)).tenants;
    },
  };
}
