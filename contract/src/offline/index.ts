// The air-gapped exchange (request and response files), shared by the API, the store client and the
// appliance tools. docs/OFFLINE.md describes the exchange.
export * from "./canonical-json.js";
export * from "./errors.js";
export * from "./files.js";
export * from "./keys.js";
export * from "./report.js";
export * from "./request.js";
export * from "./response.js";
export * from "./types.js";
export { NONCE_LENGTH as OFFLINE_NONCE_LENGTH } from "./shape.js";
