// Pure TypeScript (no cdktf import): the CLI (`stemguard tls tf-vars`) names the same inputs the constructs declare.

/** One PEM file of a TLS bundle that reaches Terraform as an ephemeral input. */
export type TlsPemFile = "caBundle" | "serverCert" | "serverKey" | "clientCert" | "clientKey";

/** What each file holds, for descriptions and the shape check. */
export const TLS_PEM_FILES: Readonly<Record<TlsPemFile, { readonly suffix: string; readonly what: string; readonly source: string; readonly key: boolean }>> = {
  caBundle: { suffix: "ca_bundle", what: "trusted CA bundle (PEM, one or more certificates)", source: "tls/trust-bundle.crt or ca.crt", key: false },
  serverCert: { suffix: "server_cert", what: "server certificate chain (PEM)", source: "server.crt", key: false },
  serverKey: { suffix: "server_key", what: "server private key (PEM)", source: "server.key", key: true },
  clientCert: { suffix: "client_cert", what: "client certificate chain (PEM)", source: "client.crt", key: false },
  clientKey: { suffix: "client_key", what: "client private key (PEM)", source: "client.key", key: true },
};

/** `<prefix>_<file suffix>`, e.g. `stem_tls_client_key`. */
export function tlsPemVariableName(prefix: string, file: TlsPemFile): string {
  return `${prefix}_${TLS_PEM_FILES[file].suffix}`;
}

/** Terraform identifier from a Kubernetes/Secrets Manager style name: `stem-tls` -> `stem_tls`, `prod/stem/tls` -> `prod_stem_tls`. */
export function tlsVariablePrefix(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, "_");
}
