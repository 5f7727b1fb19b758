/** RSA modulus sizes stemguard issues (upstream uses 4096). */
export type RsaKeySize = 2048 | 3072 | 4096;
/** The accepted RSA sizes. */
export const RSA_KEY_SIZES: readonly RsaKeySize[] = [2048, 3072, 4096];

/** A certificate and its private key, both PEM. The key is unencrypted PKCS#8 (`BEGIN PRIVATE KEY`). */
export interface CertifiedKey {
  readonly certPem: string;
  readonly keyPem: string;
}

/**
 * The six files of upstream's `generate_tls_assets.sh` (docs/stem-compat.md §3.2), as PEM text.
 * Keys are unencrypted PKCS#8 (`BEGIN PRIVATE KEY`): this is key material.
 */
export interface TlsBundle {
  readonly caCertPem: string;
  readonly caKeyPem: string;
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
}

/** Progress of a long operation (RSA key generation dominates). */
export interface TlsProgressEvent {
  /** What just finished, e.g. `"server key"`, or `"start"` before anything ran. */
  readonly step: string;
  /** Steps finished so far. */
  readonly done: number;
  /** Steps in total. */
  readonly total: number;
}

/** One subjectAltName entry: DNS names and IP addresses are different SAN types. */
export interface SubjectAltName {
  readonly type: "dns" | "ip";
  readonly value: string;
}
