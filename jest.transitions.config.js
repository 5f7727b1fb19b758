// Slow real-terraform checks kept out of `npm test` (its 60 s budget): every rotation step of
// the example AWS fleet planned against the previous phase's offline state
// (test/support/offline-state.ts). `npm run test:transitions`; its own timed step of .ci/run.
const base = require("./jest.config.js");

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ["<rootDir>/test/transitions"],
  testMatch: ["**/*.transition.ts"],
  // One suite, sequential terraform plans against one shared provider process.
  testTimeout: 300000,
};
