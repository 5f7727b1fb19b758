import * as path from "node:path";
import { StemguardError } from "../errors";
import type { TlsBundle } from "./types";
import { writeFilesAtomically, type PendingFile } from "./write-files";

/** Upstream's file names (docs/stem-compat.md §3.2), keyed by the bundle field they hold. */
export const TLS_FILE_NAMES = {
  caCertPem: "ca.crt",
  caKeyPem: "ca.key",
  serverCertPem: "server.crt",
  serverKeyPem: "server.key",
  clientCertPem: "client.crt",
  clientKeyPem: "client.key",
} as const satisfies Record<keyof TlsBundle, string>;

/** Absolute paths of a written bundle. */
export interface TlsBundlePaths {
  readonly dir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

/** Options of {@link writeTlsBundle}. */
export interface WriteTlsBundleOptions {
  /**
   * Replace files that already exist.
   *
   * @default false
   */
  readonly overwrite?: boolean;
  /**
   * The flag or field to name in errors about the directory or its files.
   *
   * @default "dir"
   */
  readonly field?: string;
}

const KEY_FIELDS = new Set<keyof TlsBundle>(["caKeyPem", "serverKeyPem", "clientKeyPem"]);

/**
 * Writes a bundle under upstream's names: keys 0600, certificates 0644, and
 * the directory 0700 when this call creates it. Every file is first written
 * to a temp file in `dir`; only when all six are on disk are they renamed into
 * place, so a failure leaves no partial bundle (and removes a directory this
 * call created). Refuses to replace existing files unless `overwrite`.
 *
 * @returns the absolute paths written
 */
export function writeTlsBundle(dir: string, bundle: TlsBundle, options: WriteTlsBundleOptions = {}): TlsBundlePaths {
  writeFilesAtomically(dir, tlsBundleFiles(bundle), { overwrite: options.overwrite, field: options.field ?? "dir" });
  return tlsBundlePaths(dir);
}

/**
 * The six files of a bundle under upstream's names, in {@link TLS_FILE_NAMES}
 * order, with their modes (keys 0600, certificates 0644); nothing is written.
 * Throws unless every field is PEM of the right kind.
 */
export function tlsBundleFiles(bundle: TlsBundle): PendingFile[] {
  const fields = Object.keys(TLS_FILE_NAMES) as (keyof TlsBundle)[];
  for (const field of fields) assertPem(bundle[field], KEY_FIELDS.has(field) ? "PRIVATE KEY" : "CERTIFICATE", `bundle.${field}`);
  return fields.map((field) => ({ name: TLS_FILE_NAMES[field], content: bundle[field], mode: KEY_FIELDS.has(field) ? 0o600 : 0o644 }));
}

/** Absolute paths of the upstream file names in `dir` (whether or not they exist). */
export function tlsBundlePaths(dir: string): TlsBundlePaths {
  const root = path.resolve(dir);
  return {
    dir: root,
    caCert: path.join(root, TLS_FILE_NAMES.caCertPem),
    caKey: path.join(root, TLS_FILE_NAMES.caKeyPem),
    serverCert: path.join(root, TLS_FILE_NAMES.serverCertPem),
    serverKey: path.join(root, TLS_FILE_NAMES.serverKeyPem),
    clientCert: path.join(root, TLS_FILE_NAMES.clientCertPem),
    clientKey: path.join(root, TLS_FILE_NAMES.clientKeyPem),
  };
}

/** Throws unless `value` holds a PEM block with `label` (e.g. "CERTIFICATE"). */
export function assertPem(value: unknown, label: "CERTIFICATE" | "PRIVATE KEY", field: string): void {
  if (typeof value !== "string" || !value.includes(`-----BEGIN ${label}-----`)) {
    throw new StemguardError(`not a PEM ${label.toLowerCase()}`, {
      field,
      fix: "pass the PEM text produced by generateTlsBundle / generateCa / issueLeaf",
    });
  }
}
