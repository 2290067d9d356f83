// `npm run test:reliability`: the reliability suite (docs/RELIABILITY.md). Same transform as the unit
// suite, but its own files (*.reliability.ts, never picked up by `npm test`), its own PostgreSQL
// (global setup), one file at a time (each probe loads the machine on purpose) and long timeouts.
import base from "../../jest.config.js";

/** @type {import('jest').Config} */
export default {
  ...base,
  rootDir: "../..",
  testMatch: ["<rootDir>/tests/reliability/**/*.reliability.ts"],
  globalSetup: "<rootDir>/tests/reliability/helpers/global-setup.mjs",
  globalTeardown: "<rootDir>/tests/reliability/helpers/global-teardown.mjs",
  maxWorkers: 1,
  testTimeout: 600_000,
  // the figures are the point: show each probe's table as it finishes
  verbose: true,
};
