// The license format's one home: editions and features, the claims and their parser, the key
// hand-over document, the signature algorithms and the identifiers.
export * from "./claims.js";
export * from "./editions.js";
export * from "./ids.js";
export * from "./key-document.js";
