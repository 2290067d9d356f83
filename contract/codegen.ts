// graphql-codegen: typed documents (TypedDocumentString, no graphql runtime needed) for the appliance's
// operations, generated from the API's checked-in SDL.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../api/schema.graphql",
  documents: ["src/operations/*.graphql"],
  ignoreNoDocuments: false,
  silent: true,
  emitLegacyCommonJSImports: false,
  generates: {
    "src/generated/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: "string",
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
        scalars: { DateTime: "string", JSON: "unknown" },
        skipTypename: true,
      },
    },
  },
};

export default config;
