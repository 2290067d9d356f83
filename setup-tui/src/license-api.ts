// The control plane as the appliance sees it: reachability, redeemInstallCode, checkIn — through the
// contract's typed operations and transport.
import {
  AlgaLicenseError,
  CheckInDocument,
  execute,
  graphqlEndpoint,
  isTransportFailure,
  RedeemInstallCodeDocument,
  type CheckInMutation,
  type ErrorCode,
  type RedeemInstallCodeMutation,
  type TypedDocumentString,
} from "@alga-license/contract";

/** A contract error code, or UNREACHABLE: no answer (refused, reset, DNS, timeout, non-GraphQL HTTP error). */
export type LicenseErrorCode = ErrorCode | "UNREACHABLE";

export class LicenseServiceError extends Error {
  constructor(
    readonly code: LicenseErrorCode,
    message: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "LicenseServiceError";
  }
}

export type RedeemResult = RedeemInstallCodeMutation["redeemInstallCode"];
export type CheckInResult = CheckInMutation["checkIn"];

async function call<R, V>(endpoint: string, doc: TypedDocumentString<R, V>, variables: V, token?: string): Promise<R> {
  try {
    return await execute<R>({ endpoint, token, timeoutMs: 15_000, userAgent: "alga-appliance" }, doc.toString(), variables);
  } catch (err) {
    if (!(err instanceof AlgaLicenseError)) throw err;
    if (isTransportFailure(err.code)) throw new LicenseServiceError("UNREACHABLE", err.message);
    throw new LicenseServiceError(err.code as ErrorCode, err.message, err.extensions);
  }
}

export const graphqlUrl = graphqlEndpoint;

/** GET /healthz: true when the control plane answers. */
export async function isReachable(baseUrl: string, timeoutMs = 5000): Promise<boolean> {
  try {
    const res = await fetch(`${baseUrl.replace(/\/+$/, "")}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}

export const redeemInstallCode = async (baseUrl: string, installCode: string, applianceId: string) =>
  (await call(graphqlEndpoint(baseUrl), RedeemInstallCodeDocument, { input: { installCode, applianceId } })).redeemInstallCode;

export const checkIn = async (checkInUrl: string, credential: string, applianceId: string, applianceVersion?: string) =>
  (await call(checkInUrl, CheckInDocument, { input: { applianceId, applianceVersion } }, credential)).checkIn;
