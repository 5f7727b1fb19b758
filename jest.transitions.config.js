// Slow real-terraform checks kept out of `npm test` (its 60 s budget): every rotation step of
// the example AWS fleet, and every step of the ElastiCache Redis walk, planned against the
// previous phase's offline state (test/support/offline-state.ts). `npm run test:transitions`; its own timed step of .ci/run.
const base = require("./jest.config.js");

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ["<rootDir>/test/transitions"],
  testMatch: ["**/*.transition.ts"],
  // Sequential terraform plans against one shared provider process per suite.
  testTimeout: 300000,
};
