import type { EnvMap } from "../stem-env/signing-config";
import { STEM_TLS_ENV, stemAllowInsecure } from "../stem-env/strict-check-tls";
import type { ConfigIssue } from "./issues";

/** Stem's four TLS variables (docs/stem-compat.md §4.1); there are no others. */
export const TLS_ENV = STEM_TLS_ENV;

/** Stem's `TlsConfig` as `TlsConfig.fromEnvironment` builds it. */
export interface StemTlsConfig {
  /** Path of the trusted CA bundle (trimmed), or `undefined`. */
  readonly caCertificateFile: string | undefined;
  /** Path of the client certificate chain (trimmed), or `undefined`. Used only when the key is set too. */
  readonly clientCertificateFile: string | undefined;
  /** Path of the client private key (trimmed), or `undefined`. */
  readonly clientKeyFile: string | undefined;
  /** Skip server-certificate validation (hostname included). */
  readonly allowInsecure: boolean;
}

/**
 * Reads `STEM_TLS_*` exactly like Stem: paths are trimmed and empty means
 * unset; `STEM_TLS_ALLOW_INSECURE` is NOT trimmed and is true when its
 * lowercase form contains `true` or equals `1` (so `untrue` is true and
 * ` 1` is false).
 */
export function readTlsEnv(env: EnvMap): StemTlsConfig {
  return {
    caCertificateFile: optionalPath(env[TLS_ENV.caCert]),
    clientCertificateFile: optionalPath(env[TLS_ENV.clientCert]),
    clientKeyFile: optionalPath(env[TLS_ENV.clientKey]),
    allowInsecure: stemAllowInsecure(env[TLS_ENV.allowInsecure]),
  };
}

/**
 * Stem's `TlsConfig.isEnabled`: any path set. Then Stem builds its own
 * `SecurityContext` without the system roots, so only the given CA is trusted.
 */
export function tlsPathsSet(config: StemTlsConfig): boolean {
  return (
    config.caCertificateFile !== undefined ||
    config.clientCertificateFile !== undefined ||
    config.clientKeyFile !== undefined
  );
}

/** Whether Stem presents a client certificate: only when both the certificate and the key are set. */
export function presentsClientCertificate(config: StemTlsConfig): boolean {
  return config.clientCertificateFile !== undefined && config.clientKeyFile !== undefined;
}

/**
 * Stricter checks than Stem's: `STEM_TLS_*` values Stem reads differently
 * from how they look, and settings it silently ignores.
 */
export function tlsEnvIssues(env: EnvMap): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const config = readTlsEnv(env);
  const rawInsecure = env[TLS_ENV.allowInsecure];
  if (rawInsecure !== undefined && rawInsecure !== "" && rawInsecure !== "true") {
    issues.push({
      code: "allow-insecure-value",
      message: `${TLS_ENV.allowInsecure}=${JSON.stringify(rawInsecure)} counts as ${config.allowInsecure} for Stem (it checks for the substring "true" or exactly "1", untrimmed). Write exactly true, or unset it`,
    });
  }
  if (config.allowInsecure) {
    issues.push({
      code: "allow-insecure",
      message: `${TLS_ENV.allowInsecure} disables server-certificate and hostname verification; use it only while debugging`,
    });
  }
  if (config.clientCertificateFile !== undefined && config.clientKeyFile === undefined) {
    issues.push({
      code: "client-key-missing",
      message: `${TLS_ENV.clientCert} is set without ${TLS_ENV.clientKey}; Stem then sends no client certificate. Set both or neither`,
    });
  }
  if (config.clientKeyFile !== undefined && config.clientCertificateFile === undefined) {
    issues.push({
      code: "client-cert-missing",
      message: `${TLS_ENV.clientKey} is set without ${TLS_ENV.clientCert}; Stem then sends no client certificate. Set both or neither`,
    });
  }
  if (tlsPathsSet(config) && config.caCertificateFile === undefined) {
    issues.push({
      code: "ca-missing",
      message: `a STEM_TLS_* path is set but ${TLS_ENV.caCert} is not; Stem then trusts no CA at all (system roots are dropped), so every server certificate fails verification. Set ${TLS_ENV.caCert}`,
    });
  }
  return issues;
}

function optionalPath(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}
