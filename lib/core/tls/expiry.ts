import { inspectCertificates } from "./inspect";

/** When a certificate expires: the inputs of a certificate-expiry alarm. */
export interface CertificateExpiry {
  /** Subject as one-per-line `KEY=value` (Node's format). */
  readonly subject: string;
  readonly commonName: string | null;
  /** SHA-256 fingerprint, colon-separated upper-case hex: tells leaf generations apart. */
  readonly fingerprint256: string;
  /** ISO-8601 UTC. */
  readonly notAfter: string;
  /** Whole days until `notAfter`, rounded down (negative once expired): the alarm's metric value. */
  readonly daysLeft: number;
}

/**
 * The expiry of the certificate in `pem` that expires FIRST (for a trust
 * bundle or a chain, that certificate bounds the whole file's usefulness).
 * Reads what {@link inspectCertificates} reads; never touches key material.
 * Throws StemguardError when `pem` holds no parsable certificate.
 */
export function certificateExpiry(pem: string, now: Date = new Date()): CertificateExpiry {
  const { certificates } = inspectCertificates(pem, { now });
  const first = certificates.reduce((a, b) => (Date.parse(b.notAfter) < Date.parse(a.notAfter) ? b : a));
  return {
    subject: first.subject,
    commonName: first.commonName,
    fingerprint256: first.fingerprint256,
    notAfter: first.notAfter,
    daysLeft: first.daysLeft,
  };
}
