import { constants, createPrivateKey, privateEncrypt, randomBytes, type KeyObject } from "node:crypto";
import forge from "node-forge";
import { ipToBytes } from "./sans";
import type { SubjectAltName } from "./types";

/** What a certificate is for; each profile has a fixed extension set (docs/tls.md). */
export type CertificateProfile = "ca" | "server" | "client";

/** The issuer of a certificate being built: its subject and signing key. */
export interface CertificateIssuer {
  /** The issuer certificate (PEM); its subject becomes our issuer and its SKI our AKI. */
  readonly certPem: string;
  /** The issuer's private key (PEM). */
  readonly keyPem: string;
}

/** Everything that goes into one certificate. */
export interface CertificateSpec {
  readonly profile: CertificateProfile;
  readonly commonName: string;
  /** The subject's public key (SPKI PEM). */
  readonly publicKeyPem: string;
  readonly notBefore: Date;
  readonly days: number;
  /** Server profile only. */
  readonly sans?: readonly SubjectAltName[];
  /** Absent for a self-signed CA (signed with `selfKeyPem`). */
  readonly issuer?: CertificateIssuer;
  /** The subject's own private key; required when `issuer` is absent. */
  readonly selfKeyPem?: string;
}

const DAY_MS = 86_400_000;
// DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1): what EMSA-PKCS1-v1_5 wraps around the hash.
const SHA256_DIGEST_INFO = Buffer.from("3031300d060960864801650304020105000420", "hex");

/**
 * Builds and signs an X.509 v3 certificate: node-forge lays out the ASN.1,
 * Node's native RSA signs it (SHA-256, PKCS#1 v1.5), which is faster than
 * forge's JavaScript big-integer maths for 4096-bit keys.
 */
export function buildCertificate(spec: CertificateSpec): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(spec.publicKeyPem);
  cert.serialNumber = randomSerialHex();
  const notBefore = new Date(Math.floor(spec.notBefore.getTime() / 1000) * 1000);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = new Date(notBefore.getTime() + spec.days * DAY_MS);
  cert.setSubject([{ name: "commonName", value: spec.commonName }]);

  let signingKeyPem: string;
  let authorityKeyId: string;
  if (spec.issuer) {
    const issuerCert = forge.pki.certificateFromPem(spec.issuer.certPem);
    cert.setIssuer(issuerCert.subject.attributes);
    authorityKeyId = subjectKeyIdBytes(issuerCert);
    signingKeyPem = spec.issuer.keyPem;
  } else {
    if (!spec.selfKeyPem) throw new Error("buildCertificate: a self-signed certificate needs selfKeyPem");
    cert.setIssuer(cert.subject.attributes);
    authorityKeyId = cert.generateSubjectKeyIdentifier().getBytes();
    signingKeyPem = spec.selfKeyPem;
  }

  cert.setExtensions([...profileExtensions(spec), { name: "subjectKeyIdentifier" }, { name: "authorityKeyIdentifier", keyIdentifier: authorityKeyId }]);
  cert.sign(nativeSigner(createPrivateKey(signingKeyPem)) as unknown as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert).replace(/\r\n/g, "\n");
}

function profileExtensions(spec: CertificateSpec): object[] {
  switch (spec.profile) {
    case "ca":
      return [
        { name: "basicConstraints", cA: true, critical: true },
        { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
      ];
    case "server":
      return [
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", serverAuth: true },
        {
          name: "subjectAltName",
          // type 2 = dNSName, 7 = iPAddress (raw 4/16 bytes; forge's own IPv6 parser mishandles some forms).
          altNames: (spec.sans ?? []).map((s) =>
            s.type === "ip" ? { type: 7, value: ipToBytes(s.value).toString("binary") } : { type: 2, value: s.value },
          ),
        },
      ];
    case "client":
      return [
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", clientAuth: true },
      ];
  }
}

/** The issuer's own SKI when it has one (so AKI matches even for CAs made elsewhere), else the RFC 5280 method 1 hash. */
function subjectKeyIdBytes(cert: forge.pki.Certificate): string {
  const ext = cert.getExtension("subjectKeyIdentifier") as { subjectKeyIdentifier?: string } | undefined;
  return ext?.subjectKeyIdentifier ? forge.util.hexToBytes(ext.subjectKeyIdentifier) : cert.generateSubjectKeyIdentifier().getBytes();
}

/** A forge-compatible "private key" whose sign() is Node's RSA PKCS#1 v1.5 over forge's SHA-256 digest. */
function nativeSigner(key: KeyObject): { sign(md: forge.md.MessageDigest): string } {
  return {
    sign(md) {
      const digest = Buffer.from(md.digest().getBytes(), "binary");
      const signature = privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, digest]));
      return signature.toString("binary");
    },
  };
}

/** 16 random bytes as hex, top bit clear (positive INTEGER) and second-highest set (no leading-zero trimming). */
function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes.toString("hex");
}
