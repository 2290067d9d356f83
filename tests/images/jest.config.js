// `npm run test:images`: the image suite (tests/images/*.image.ts, never picked up by `npm test`). It
// builds both Dockerfiles with buildah and runs the charts' commands in them, so it needs root,
// buildah and mmdebstrap (Debian packages; .ci/run installs them) and takes minutes on a first run.
import base from "../../jest.config.js";

/** @type {import('jest').Config} */
export default {
  ...base,
  rootDir: "../..",
  testMatch: ["<rootDir>/tests/images/**/*.image.ts"],
  maxWorkers: 1,
  testTimeout: 600_000,
  verbose: true,
};
