export * from "./signing-keyring";
export * from "./workload-env";
export * from "./material-inputs";
export * from "./tls-bundles";
