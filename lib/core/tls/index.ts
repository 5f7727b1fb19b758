// What `stemguard tls` loads in one require() inside its actions (so `--help` stays fast).
// Internal: the public TLS API is the named list in lib/index.ts.
export { TLS_FILE_NAMES, writeTlsBundle, tlsBundlePaths } from "./write-bundle";
export { assertCommonName, assertDays, assertKeySize } from "./options";
export { parseSans } from "./sans";
export { generateTlsBundle } from "./generate";
export { inspectTlsPath } from "./inspect-dir";
export {
  emptyTlsLedger,
  replayTlsPhases,
  describeTlsStep,
  nextTlsStepHint,
  stripPhase,
  leafIssuerCaId,
  trustBundleCaIds,
  tlsSection,
} from "./ca-ledger";
export { readTlsLedgerFile } from "./ca-ledger-file";
export { planTlsStep, commitTlsStep, type TlsStepRequest } from "./ca-rotation";
