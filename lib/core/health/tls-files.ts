import { X509Certificate, createPrivateKey } from "node:crypto";
import { resolve } from "node:path";
import { StemguardError } from "../errors";
import { READ_CAPS } from "../fs/limits";
import { readRegularFile } from "../fs/read-regular-file";
import { TLS_ENV, presentsClientCertificate, tlsPathsSet, type StemTlsConfig } from "./tls-env";

/**
 * What a Node TLS client needs to behave like Stem's `SecurityContext`.
 * Contains the client key: key material, never print or log it.
 */
export interface TlsClientMaterial {
  /**
   * Trusted CA certificates (PEM). `undefined` means Node's default roots
   * (Stem's "system", when no path is set); `[]` means trust nothing (a path
   * is set but not the CA: Dart's `SecurityContext()` has no roots either).
   */
  readonly ca: readonly string[] | undefined;
  /** Client certificate chain (PEM), only when both certificate and key are set. */
  readonly cert: string | undefined;
  /** Client private key (PEM). Key material. */
  readonly key: string | undefined;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads and checks the files `STEM_TLS_*` name, before any connection, so a
 * bad path is a configuration error (exit 64) rather than a failed check.
 * Stem reads them only at connect time. Certificates may be PEM (several
 * concatenated) or a single DER certificate; PKCS#12 is not supported.
 *
 * @throws StemguardError naming the variable and path when a file is missing, unreadable or not what it should be
 */
export function loadTlsMaterial(config: StemTlsConfig, cwd: string = process.cwd()): TlsClientMaterial {
  if (!tlsPathsSet(config)) return { ca: undefined, cert: undefined, key: undefined };
  // Relative paths start at `cwd`; errors still name the path as the env gave it.
  const readFile = (path: string, field: string) => readFileAt(resolve(cwd, path), path, field);
  const readCertificates = (path: string, field: string) => parseCertificates(readFile(path, field), path, field);
  const readText = (path: string, field: string) => readFile(path, field).toString("utf8");
  const ca = config.caCertificateFile === undefined ? [] : readCertificates(config.caCertificateFile, TLS_ENV.caCert);
  if (!presentsClientCertificate(config)) return { ca, cert: undefined, key: undefined };
  const certPath = config.clientCertificateFile as string;
  const keyPath = config.clientKeyFile as string;
  const chain = readCertificates(certPath, TLS_ENV.clientCert);
  const keyPem = readText(keyPath, TLS_ENV.clientKey);
  let privateKey;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch {
    throw new StemguardError("not an unencrypted PEM private key", {
      field: TLS_ENV.clientKey,
      value: keyPath,
      fix: "point it at the client key file (PKCS#8 or PKCS#1 PEM without a passphrase), e.g. client.key from `stemguard tls generate`",
    });
  }
  if (!new X509Certificate(chain[0]).checkPrivateKey(privateKey)) {
    throw new StemguardError(`the key does not belong to the certificate in ${certPath}`, {
      field: TLS_ENV.clientKey,
      value: keyPath,
      fix: `use the key that was generated with ${certPath} (client.crt goes with client.key)`,
    });
  }
  return { ca, cert: chain.join("\n"), key: keyPem };
}

function parseCertificates(data: Buffer, path: string, field: string): string[] {
  const pems = data.toString("latin1").match(PEM_CERT) ?? [];
  try {
    if (pems.length > 0) return pems.map((pem) => new X509Certificate(pem).toString());
    return [new X509Certificate(data).toString()];
  } catch {
    throw new StemguardError("not a certificate file (PEM or DER)", {
      field,
      value: path,
      fix: "point it at a PEM certificate such as ca.crt or client.crt; PKCS#12 bundles are not read by stemguard",
    });
  }
}

function readFileAt(file: string, path: string, field: string): Buffer {
  // Follows symbolic links (Kubernetes secret volumes are links); regular files only, capped.
  return readRegularFile(file, {
    field,
    maxBytes: READ_CAPS.pem,
    shownPath: path,
    missingFix: "set it to the path of a readable file inside the container or host that runs Stem",
  });
}
