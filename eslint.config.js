import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "api/src/generated/**", "store-client/src/generated/**", "contract/src/generated/**", "coverage/**", ".data/**", "api/playground/dist/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly", fetch: "readonly", setTimeout: "readonly", clearTimeout: "readonly", AbortController: "readonly", AbortSignal: "readonly", NodeJS: "readonly" } },
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
            .map((other) => ({ group: [`**/${other}/src/**`, `**/${other}/dist/**`], message: `import @alga-license/${other}'s published entry point, not its files` })),
        },
      ],
    },
  })),
  {
    files: ["tests/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
);
