// `npm run test:unit`: the fast layer — table tests of pure rules (no database, no network, no
// processes), so it needs none of the suite's peers: the root configuration without its global setup.
// `npm test` runs these files too (its testMatch covers tests/unit/).
import base from "../../jest.config.js";

const { globalSetup: _setup, globalTeardown: _teardown, ...pure } = base;

/** @type {import('jest').Config} */
export default {
  ...pure,
  rootDir: "../..",
  testMatch: ["<rootDir>/tests/unit/**/*.test.ts"],
  // only the tests are looked up; their imports resolve as in Node (crawling the repository is slow)
  roots: ["<rootDir>/tests/unit"],
  testTimeout: 10_000,
  // in band: starting worker processes costs far more than these tests take (measured: ~25 s vs ~6 s)
  maxWorkers: 1,
};
