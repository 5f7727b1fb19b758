import * as path from "node:path";
import { READ_CAPS } from "../fs/limits";
import { readRegularTextFile } from "../fs/read-regular-file";
import { looksLikeMaterial, redacted } from "../redact/redact";
import { certificateExpiry } from "../tls/expiry";

/** Days left of one inspected certificate file. */
export interface CertificateDays {
  /** The file's base name, redacted when it looks like material. */
  readonly name: string;
  /** Whole days until the certificate that expires first in the file expires (negative once expired). */
  readonly daysLeft: number;
  /** ISO-8601 UTC. */
  readonly notAfter: string;
}

/**
 * Reads PEM certificate files (regular files, size-capped) and gives each
 * one's days left, through the TLS inspection (certificateExpiry). Never
 * reads or prints key material.
 *
 * @throws StemguardError naming the file when it is missing, not regular or holds no certificate
 */
export function certificateDays(files: readonly string[], cwd: string, now: Date = new Date()): CertificateDays[] {
  return files.map((file) => {
    const text = readRegularTextFile(path.resolve(cwd, file), { field: "--certificate", maxBytes: READ_CAPS.pem, shownPath: file, what: "certificate file" });
    const expiry = certificateExpiry(text, now);
    const base = path.basename(file);
    return { name: looksLikeMaterial(base) ? redacted(base) : base, daysLeft: expiry.daysLeft, notAfter: expiry.notAfter };
  });
}
