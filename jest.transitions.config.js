// The real-terraform AWS checks, kept out of `npm test` (its 60 s budget): terraform validate and
// plan of the AWS constructs (test/integration/aws-terraform.test.ts), every rotation step of the
// example AWS fleet and every step of the ElastiCache Redis walk planned against the previous
// phase's offline state (test/support/offline-state.ts), the review of real plans, and the
// scheduled jobs. `npm run test:transitions`; its own timed step of .ci/run.
const base = require("./jest.config.js");
const { AWS_TERRAFORM } = base;

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ["<rootDir>/test/transitions", "<rootDir>/test/integration"],
  testMatch: ["**/*.transition.ts", ...AWS_TERRAFORM],
  testPathIgnorePatterns: ["/node_modules/"],
  // Sequential terraform plans against one shared provider process per suite.
  testTimeout: 300000,
};
