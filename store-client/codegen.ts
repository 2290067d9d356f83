// graphql-codegen for the store client's operations (src/operations), from the API's SDL, with the
// same setup as the contract's appliance operations.
import { clientCodegen } from "../contract/codegen.preset.js";

export default clientCodegen("src/operations/*.graphql", "../api/schema.graphql");
