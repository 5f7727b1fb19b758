import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { StemguardError } from "../errors";
import { commonNameOf, parseCertificates } from "./pem";
import { decodeExtensions } from "./x509-extensions";

/** Options of {@link inspectCertificates}. */
export interface InspectOptions {
  /** Trusted CA certificate(s), PEM; one or more (a rotation trust bundle). When set, every certificate's chain is checked. */
  readonly caPem?: string;
  /** A private key (PEM) that must belong to the first certificate. */
  readonly keyPem?: string;
  /**
   * The time to judge validity at.
   *
   * @default - now
   */
  readonly now?: Date;
  /**
   * A certificate expiring in fewer than this many days fails the verdict.
   *
   * @default 30
   */
  readonly warnDays?: number;
  /**
   * Names of the three inputs in error messages (a CLI passes its flags or file names).
   *
   * @default - "pem", "caPem", "keyPem"
   */
  readonly fieldNames?: { readonly pem?: string; readonly caPem?: string; readonly keyPem?: string };
}

/** Result of checking a certificate against the trusted CAs. */
export interface ChainCheck {
  readonly valid: boolean;
  /** Why not, when `valid` is false. */
  readonly reason?: string;
  /** CN of the trusted CA that anchors the chain. */
  readonly anchorCommonName?: string;
  /** SHA-256 fingerprint of that CA. */
  readonly anchorFingerprint256?: string;
}

/** What one certificate says, and how it fares. */
export interface CertificateReport {
  /** Subject as one-per-line `KEY=value` (Node's format). */
  readonly subject: string;
  readonly commonName: string | null;
  readonly issuer: string;
  readonly issuerCommonName: string | null;
  /** Serial number, upper-case hex. */
  readonly serialNumber: string;
  /** SHA-256 fingerprint, colon-separated upper-case hex (as openssl prints it). */
  readonly fingerprint256: string;
  /** ISO-8601 UTC. */
  readonly notBefore: string;
  /** ISO-8601 UTC. */
  readonly notAfter: string;
  /** Whole days until notAfter (negative once expired). */
  readonly daysLeft: number;
  readonly expired: boolean;
  readonly notYetValid: boolean;
  /** Valid now but expiring within `warnDays`. */
  readonly expiringSoon: boolean;
  readonly isCa: boolean;
  readonly selfSigned: boolean;
  /** subjectAltNames by type: DNS and IP are matched differently by clients. */
  readonly sans: { readonly dns: string[]; readonly ip: string[]; readonly other: string[] };
  readonly extendedKeyUsage: string[];
  readonly keyUsage: string[];
  /** e.g. `{ type: "rsa", bits: 4096 }` or `{ type: "ec", curve: "prime256v1" }`. */
  readonly publicKey: { readonly type: string; readonly bits?: number; readonly curve?: string };
  /** Present when `caPem` was given. */
  readonly chain?: ChainCheck;
  /** Present (first certificate only) when `keyPem` was given. */
  readonly keyMatches?: boolean;
}

/** A failing condition, with a machine code and the certificate it concerns. */
export interface InspectProblem {
  readonly code: "expired" | "not-yet-valid" | "expiring" | "chain-invalid" | "key-mismatch" | "leaf-not-first" | "chain-order";
  readonly certificate: number;
  readonly message: string;
}

/** Report on a PEM text: every certificate, plus the verdict (ok = no problem). */
export interface InspectReport {
  readonly certificates: CertificateReport[];
  readonly ok: boolean;
  readonly problems: InspectProblem[];
}

const DAY_MS = 86_400_000;
// Bound the chain walk through intermediates found in the inspected text.
const MAX_CHAIN_DEPTH = 8;

/**
 * Inspects every certificate in `pem`: subject, SANs (DNS and IP told apart),
 * issuer, serial, validity, CA flag, key usages; optionally the chain against
 * `caPem` (which may hold several CAs, as during a CA rotation) and whether
 * `keyPem` belongs to the first certificate. The verdict fails on expired,
 * not-yet-valid or soon-expiring certificates, broken chains and key mismatch.
 * Never includes key material.
 */
export function inspectCertificates(pem: string, options: InspectOptions = {}): InspectReport {
  const now = options.now ?? new Date();
  const warnDays = options.warnDays ?? 30;
  if (!Number.isInteger(warnDays) || warnDays < 0 || warnDays > 3650) {
    throw new StemguardError("warn days must be a whole number from 0 to 3650", {
      field: "warnDays",
      value: warnDays,
      fix: "use e.g. 30 to fail when a certificate expires within a month",
    });
  }
  const names = { pem: "pem", caPem: "caPem", keyPem: "keyPem", ...options.fieldNames };
  const certs = parseCertificates(pem, names.pem);
  const anchors = options.caPem === undefined ? undefined : parseCertificates(options.caPem, names.caPem);
  const key = options.keyPem === undefined ? undefined : parseKey(options.keyPem, names.keyPem);

  const problems: InspectProblem[] = [];
  const certificates = certs.map((cert, index) => {
    const report = describe(cert, now, warnDays, anchors, certs);
    const withKey = index === 0 && key ? { ...report, keyMatches: cert.checkPrivateKey(key) } : report;
    problems.push(...problemsOf(withKey, index));
    return withKey;
  });
  problems.push(...orderProblems(certs));
  return { certificates, ok: problems.length === 0, problems };
}

const ORDER_FIX = "put the leaf (server or client) certificate first, then each intermediate right after the certificate it issued; leave the root CA out (it belongs in the CA file)";

/**
 * A file with a leaf (non-CA) certificate is a chain file: Redis
 * (`tls-cert-file`), Node and OpenSSL's chain loaders take its FIRST
 * certificate as the server's or client's own and pair it with the key, so
 * the leaf must come first and each next certificate must be the issuer of
 * the one before. Redis refuses to start otherwise (the key does not match
 * the first certificate). A file of CAs only (a trust bundle) has no order.
 */
function orderProblems(certs: readonly X509Certificate[]): InspectProblem[] {
  const leaves = certs.map((c, i) => ({ c, i })).filter(({ c }) => !c.ca);
  if (leaves.length === 0 || certs.length < 2) return [];
  const name = (c: X509Certificate) => `"${commonNameOf(c.subject) ?? c.subject}"`;
  const out: InspectProblem[] = [];
  for (const { c, i } of leaves) {
    if (i === 0) continue;
    out.push({
      code: "leaf-not-first",
      certificate: i,
      message: `${name(c)} is a leaf certificate at position ${i + 1} of ${certs.length}; Redis and TLS clients take the first certificate (${name(certs[0])}) as their own, so Redis refuses to start with this file. Fix: ${ORDER_FIX}`,
    });
  }
  if (out.length > 0) return out;
  for (let i = 1; i < certs.length; i++) {
    if (!certs[i - 1].checkIssued(certs[i])) {
      out.push({
        code: "chain-order",
        certificate: i,
        message: `${name(certs[i])} at position ${i + 1} did not issue ${name(certs[i - 1])} before it; TLS peers may fail to build the chain. Fix: ${ORDER_FIX}`,
      });
    }
  }
  return out;
}

function describe(
  cert: X509Certificate,
  now: Date,
  warnDays: number,
  anchors: X509Certificate[] | undefined,
  siblings: X509Certificate[],
): CertificateReport {
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  const msLeft = notAfter.getTime() - now.getTime();
  const expired = msLeft < 0;
  const notYetValid = notBefore.getTime() > now.getTime();
  const ext = decodeExtensions(cert.raw);
  const details = cert.publicKey.asymmetricKeyDetails ?? {};
  return {
    subject: cert.subject,
    commonName: commonNameOf(cert.subject),
    issuer: cert.issuer,
    issuerCommonName: commonNameOf(cert.issuer),
    serialNumber: cert.serialNumber.toUpperCase(),
    fingerprint256: cert.fingerprint256,
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor(msLeft / DAY_MS),
    expired,
    notYetValid,
    expiringSoon: !expired && msLeft < warnDays * DAY_MS,
    isCa: cert.ca,
    selfSigned: cert.checkIssued(cert) && cert.verify(cert.publicKey),
    sans: { dns: ext.dnsNames, ip: ext.ipAddresses, other: ext.otherNames },
    extendedKeyUsage: ext.extendedKeyUsage,
    keyUsage: ext.keyUsage,
    publicKey: {
      type: cert.publicKey.asymmetricKeyType ?? "unknown",
      ...(details.modulusLength ? { bits: details.modulusLength } : {}),
      ...(details.namedCurve ? { curve: details.namedCurve } : {}),
    },
    ...(anchors ? { chain: checkChain(cert, anchors, siblings, now) } : {}),
  };
}

/** Walks from `cert` through intermediates in the same text until a trusted CA signs it. */
function checkChain(cert: X509Certificate, anchors: X509Certificate[], siblings: X509Certificate[], now: Date): ChainCheck {
  let current = cert;
  for (let depth = 0; depth < MAX_CHAIN_DEPTH; depth++) {
    const trusted = anchors.find((a) => a.fingerprint256 === current.fingerprint256);
    if (trusted && depth === 0 && cert.ca) return anchored(trusted); // inspecting a trusted CA itself
    const named = anchors.filter((a) => a.subject === current.issuer || current.checkIssued(a));
    if (named.length > 0) {
      const signer = named.find((a) => current.checkIssued(a) && current.verify(a.publicKey));
      if (!signer) {
        return {
          valid: false,
          reason: `signature does not verify with the trusted CA "${commonNameOf(named[0].subject)}" of the same name (another key: was the CA regenerated?)`,
        };
      }
      if (!signer.ca) return { valid: false, reason: `issuer "${commonNameOf(signer.subject)}" is not a CA (basicConstraints CA:FALSE)` };
      if (new Date(signer.validTo).getTime() < now.getTime()) {
        return { valid: false, reason: `issuing CA "${commonNameOf(signer.subject)}" expired on ${new Date(signer.validTo).toISOString()}` };
      }
      return anchored(signer);
    }
    const intermediate = siblings.find((s) => s !== current && s.ca && current.checkIssued(s) && current.verify(s.publicKey));
    if (!intermediate) {
      const names = anchors.map((a) => `"${commonNameOf(a.subject)}"`).join(", ");
      return { valid: false, reason: `issuer "${commonNameOf(current.issuer)}" is not among the trusted CAs (${names})` };
    }
    current = intermediate;
  }
  return { valid: false, reason: `no trusted CA within ${MAX_CHAIN_DEPTH} certificates` };
}

function anchored(ca: X509Certificate): ChainCheck {
  return { valid: true, anchorCommonName: commonNameOf(ca.subject) ?? ca.subject, anchorFingerprint256: ca.fingerprint256 };
}

function problemsOf(r: CertificateReport, index: number): InspectProblem[] {
  const name = `"${r.commonName ?? r.subject}"`;
  const out: InspectProblem[] = [];
  if (r.expired) out.push({ code: "expired", certificate: index, message: `${name} expired on ${r.notAfter}` });
  if (r.notYetValid) out.push({ code: "not-yet-valid", certificate: index, message: `${name} is not valid before ${r.notBefore}` });
  if (r.expiringSoon) out.push({ code: "expiring", certificate: index, message: `${name} expires in ${r.daysLeft} days (${r.notAfter})` });
  if (r.chain && !r.chain.valid) out.push({ code: "chain-invalid", certificate: index, message: `${name}: ${r.chain.reason}` });
  if (r.keyMatches === false) out.push({ code: "key-mismatch", certificate: index, message: `${name}: the private key does not belong to this certificate` });
  return out;
}

function parseKey(keyPem: string, field: string): KeyObject {
  try {
    return createPrivateKey(keyPem);
  } catch (err) {
    throw new StemguardError(`not a readable private key (${(err as Error).message})`, {
      field,
      fix: "pass an unencrypted PEM private key (PKCS#8 or PKCS#1), e.g. server.key",
    });
  }
}
