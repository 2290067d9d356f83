// Fetching the vendor's key hand-over document over the configured license service URL, retried by
// the caller's policy. Nothing fetched is trusted here: chain.ts decides whether it extends the pins.
import { fetchKeyHandover } from "../license-api.js";
import { callWithRetry, type RetryHooks, type RetryPolicy } from "../retry.js";

/** The service's key hand-over document, as fetched (not yet trusted). */
export const fetchKeyDocument = (licenseUrl: string, o: { policy: RetryPolicy; hooks?: RetryHooks }) =>
  callWithRetry(() => fetchKeyHandover(licenseUrl, { signal: o.hooks?.signal }), o.policy, o.hooks);
