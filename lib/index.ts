// stemguard's pure-TypeScript core (no cdktf): keyrings and their rotation
// ledger, Stem env rendering and parsing, Stem signatures, the rotation drill,
// PKI and the health check. Constructs live in "stemguard/aws" and
// "stemguard/kubernetes" so that importing the core never loads cdktf.
export * from "./core/errors";
export * from "./core/keyring/types";
export * from "./core/keyring/key-id";
export * from "./core/keyring/steps";
export * from "./core/keyring/ledger-file";
export * from "./core/keyring/env-plan";
export * from "./core/keyring/render-env";
export * from "./core/keyring/diff-ledgers";
export * from "./core/keyring/phase-table";
export * from "./core/material/types";
export * from "./core/material/generate";
export * from "./core/material/encode";
export * from "./core/material/material-dir";
export * from "./core/stem-env/signing-config";
export * from "./core/stem-env/env-file";
export * from "./core/stem-env/parse-signing-env";
export * from "./core/stem-env/strict-check";
export * from "./core/signing/envelope";
export * from "./core/signing/canonical-json";
export * from "./core/signing/sign";
export * from "./core/signing/verify";
export * from "./core/drill/rotation-drill";
export * from "./review/synth-diff";
export * from "./review/ledger-review";
export * from "./review/phase-report";
export * from "./core/tls";
export * from "./core/health/redis-url";
export * from "./core/health/tls-env";
export * from "./core/health/health-report";
export * from "./core/health/run-health";
