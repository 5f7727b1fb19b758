/** Real-terraform AWS suites that run in `npm run test:transitions` (jest.transitions.config.js), not here. */
const AWS_TERRAFORM = ["**/test/integration/aws-terraform.test.ts"];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/test/integration/aws-terraform\\.test\\.ts$"],
  transform: {
    "^.+\\.(t|j)sx?$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }],
  },
  // @noble/ed25519 ships ESM only; let swc turn it into CommonJS for jest.
  transformIgnorePatterns: ["/node_modules/(?!@noble/)"],
  moduleNameMapper: {
    // Lets sources use ESM-style "./x.js" specifiers (needed by dynamic import() under nodenext).
    "^(\\.{1,2}/.*)\\.js$": "$1",
    // The example apps import the package by its name (tsconfig.json "paths" does the same for tsc).
    "^stemguard$": "<rootDir>/lib/index.ts",
    "^stemguard/(aws|kubernetes|demo)$": "<rootDir>/lib/$1/index.ts",
    // cdktf's and constructs' private stack-trace helper (the only requests of these names in the
    // dependency tree): same frames, but not fed through jest's source-map formatter, which cost
    // about half the CPU of every cdktf suite. See test/support/stack-trace.ts.
    "^\\./(tokens/private/|private/)?stack-trace$": "<rootDir>/test/support/stack-trace.ts",
  },
  testTimeout: 60000,
  // Real RSA-2048 keys from a pool made once per machine (test/support/rsa-pool-setup.js):
  // fresh keys were most of the suite's CPU. Key-generation tests opt out (realRsaKeys()).
  globalSetup: "<rootDir>/test/support/rsa-pool-setup.js",
  setupFiles: ["<rootDir>/test/support/rsa-pool.js"],
  // jest defaults to cores - 1 workers, i.e. one on the 2-core CI machine; the
  // terraform and redis suites mostly wait on child processes, so use both cores.
  maxWorkers: 2,
  // A worker that has grown past this after a test file is replaced. cdktf suites leave workers
  // at 460-850 MB; fresh ones collect less garbage (jest 6% faster in alternating runs), and a
  // smaller worker frees less at exit: freeing 460-850 MB took 335-400 ms, close to jest's 500 ms
  // shutdown grace, which under load it missed ("A worker process has failed to exit gracefully").
  workerIdleMemoryLimit: "600MB",
};
Object.defineProperty(module.exports, "AWS_TERRAFORM", { value: AWS_TERRAFORM, enumerable: false });
