// graphql-codegen for the appliance's operations (contract/src/operations), from the API's SDL.
import { clientCodegen } from "./codegen.preset.js";

export default clientCodegen("src/operations/*.graphql", "../api/schema.graphql");
