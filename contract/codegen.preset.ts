// The graphql-codegen setup shared by the contract (appliance operations) and the store client (store
// and support operations): typed document strings (no graphql runtime needed) from the API's
// checked-in SDL. Each package's codegen.ts names its own documents.
import type { CodegenConfig } from "@graphql-codegen/cli";

export function clientCodegen(documents: string, sdl: string): CodegenConfig {
  return {
    schema: sdl,
    documents: [documents],
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
}
