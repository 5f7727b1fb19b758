// PKI for Stem's TLS (contract §3.2, §4): generation, inspection and CA-rotation ledgers.
export * from "./types";
export * from "./sans";
export * from "./options";
export * from "./generate";
export * from "./write-bundle";
export * from "./inspect";
export * from "./inspect-dir";
export * from "./ca-ledger";
export * from "./ca-ledger-diff";
export * from "./ca-ledger-file";
export * from "./trust-bundle";
export * from "./ca-rotation";
export * from "./expiry";
