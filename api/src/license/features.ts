// License features per edition (claims.features): the contract's table (contract/src/license/editions.ts).
export { EDITION_FEATURES, isPaid } from "@alga-license/contract";
