import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/dist/**",
      "api/src/generated/**",
      "store-client/src/generated/**",
      "contract/src/generated/**",
      "coverage/**",
      ".data/**",
      "api/playground/dist/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        URL: "readonly",
        fetch: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        AbortController: "readonly",
        AbortSignal: "readonly",
        NodeJS: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
    },
  },
  // Packages meet through their published entry points (e.g. @alga-license/contract), never each other's files.
  ...["contract", "api", "setup-tui", "store-client"].map((pkg) => ({
    files: [`${pkg}/src/**`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: ["contract", "api", "setup-tui", "store-client"]
            .filter((other) => other !== pkg)
            .map((other) => ({
              group: [`**/${other}/src/**`, `**/${other}/dist/**`],
              message: `import @alga-license/${other}'s published entry point, not its files`,
            })),
        },
      ],
    },
  })),
  // Type-aware rules (typed linting through the TypeScript project service): a promise is awaited or
  // explicitly let go (`void`, with the reason in a comment); a switch over a union without a default
  // handles every member, so a new member (an error code, a state) is a lint error until it is decided.
  // A default branch is such a decision (the error-code mappings answer the rest with it).
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["contract/codegen.ts", "contract/codegen.preset.ts", "store-client/codegen.ts"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    files: ["tests/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
);
