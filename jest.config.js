// Jest runs the TypeScript sources as ESM through ts-jest (transpile-only: `npm run typecheck`
// does the type checking). The tests talk to real peers: PostgreSQL, s3rver, smtp-server; the pure
// rules' table tests in tests/unit/ need none (`npm run test:unit` runs them alone, in seconds).
/** @type {import('jest').Config} */
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts", ".tsx"],
  moduleNameMapper: {
    // the shared contract from its sources (at run time packages resolve it to contract/dist)
    "^@alga-license/contract$": "<rootDir>/contract/src/index.ts",
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
  transform: { "^.+\\.tsx?$": ["ts-jest", { useESM: true, diagnostics: false }] },
  testMatch: ["<rootDir>/tests/**/*.test.ts", "<rootDir>/tests/**/*.test.tsx"],
  globalSetup: "<rootDir>/tests/helpers/global-setup.mjs",
  globalTeardown: "<rootDir>/tests/helpers/global-teardown.mjs",
  testTimeout: 60_000,
  maxWorkers: 2,
};
