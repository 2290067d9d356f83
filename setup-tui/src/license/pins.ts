// Fetching the vendor's key hand-over document over the configured license service URL, retried by
// the caller's policy. Nothing fetched is trusted here: chain.ts decides whether it extends the pins.
import { withRetries, type CallPolicy, type RetryHooks } from "@alga-license/contract";
import { fetchKeyHandover } from "../license-api.js";

/** The service's key hand-over document, as fetched (not yet trusted). */
export const fetchKeyDocument = (licenseUrl: string, o: { policy: CallPolicy; hooks?: RetryHooks }) =>
  withRetries(() => fetchKeyHandover(licenseUrl, { signal: o.hooks?.signal }), o.policy, o.hooks);
