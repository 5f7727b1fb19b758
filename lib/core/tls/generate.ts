import { X509Certificate, createPrivateKey } from "node:crypto";
import { StemguardError } from "../errors";
import { buildCertificate } from "./certificate-builder";
import { assertCommonName, assertDate, assertDays, assertKeySize } from "./options";
import { generateRsaKey } from "./rsa-key";
import { parseSans } from "./sans";
import type { CertifiedKey, RsaKeySize, SubjectAltName, TlsBundle, TlsProgressEvent } from "./types";

export type { CertifiedKey, RsaKeySize, SubjectAltName, TlsBundle, TlsProgressEvent } from "./types";

/** The client certificate's CN unless told otherwise (upstream's `CLIENT_CN`). */
export const DEFAULT_CLIENT_CN = "stem-client";

/** Options shared by every issuing function. */
export interface IssueCommonOptions {
  /**
   * Validity in days, 1..3650.
   *
   * @default 365
   */
  readonly days?: number;
  /**
   * RSA modulus size of the new key.
   *
   * @default 4096
   */
  readonly keySize?: RsaKeySize;
  /**
   * Start of validity. A date in the past with a small `days` issues an
   * already-expired certificate (for tests of expiry handling).
   *
   * @default - now
   */
  readonly notBefore?: Date;
}

/** Options of {@link generateTlsBundle}. */
export interface TlsBundleOptions extends IssueCommonOptions {
  /**
   * The server's subjectAltNames: a comma list or an array. Entries are
   * trimmed; IPv4/IPv6 literals become IP SANs, the rest DNS SANs.
   */
  readonly sans: string | readonly string[];
  /**
   * The server CN; the CA's CN is `<primaryHost>-ca` (as upstream).
   *
   * @default - the first SAN
   */
  readonly primaryHost?: string;
  /**
   * CN of the client certificate.
   *
   * @default "stem-client"
   */
  readonly clientCn?: string;
  /** Called as each RSA key and certificate is done (6 steps). */
  readonly onProgress?: (event: TlsProgressEvent) => void;
}

/** Options of {@link generateCa}. */
export interface GenerateCaOptions extends IssueCommonOptions {
  /** The CA's subject CN, e.g. `redis-ca` or `redis-ca-2026`. */
  readonly commonName: string;
}

/** Options of {@link issueLeaf}. */
export interface IssueLeafOptions extends IssueCommonOptions {
  /** `server` (serverAuth + SANs) or `client` (clientAuth, no SANs). */
  readonly kind: "server" | "client";
  /** The issuing CA: its certificate and key (PEM). */
  readonly ca: CertifiedKey;
  /**
   * Server only: subjectAltNames, as in {@link TlsBundleOptions.sans}.
   *
   * @default - required for `server`; ignored for `client`
   */
  readonly sans?: string | readonly string[];
  /**
   * Subject CN.
   *
   * @default - the first SAN for a server, "stem-client" for a client
   */
  readonly commonName?: string;
}

/**
 * Generates upstream's six TLS files (docs/stem-compat.md §3.2) in memory: a CA
 * (`CN=<primaryHost>-ca`), a server leaf (`CN=<primaryHost>`, SANs with real
 * IP SANs) and a client leaf (`CN=<clientCn>`). The three RSA keys are made in
 * parallel by Node's native crypto. All input is validated before any key is
 * generated. Keys come back as unencrypted PKCS#8 PEM: key material.
 *
 * @example
 * const bundle = await generateTlsBundle({ sans: "localhost,127.0.0.1", keySize: 2048 });
 * writeTlsBundle("/tmp/certs", bundle);
 */
export async function generateTlsBundle(options: TlsBundleOptions): Promise<TlsBundle> {
  const sans = parseSans(options.sans, "sans");
  const primaryHost = assertCommonName(options.primaryHost ?? sans[0].value, "primaryHost", 61);
  const clientCn = assertCommonName(options.clientCn ?? DEFAULT_CLIENT_CN, "clientCn");
  const common = commonOptions(options);
  const total = 6;
  let done = 0;
  const progress = (step: string) => options.onProgress?.({ step, done: step === "start" ? 0 : ++done, total });
  progress("start");
  const keyFor = async (name: string) => {
    const key = await generateRsaKey(common.keySize);
    progress(`${name} key`);
    return key;
  };
  const [caKey, serverKey, clientKey] = await Promise.all([keyFor("ca"), keyFor("server"), keyFor("client")]);

  const caCertPem = buildCertificate({
    profile: "ca",
    commonName: `${primaryHost}-ca`,
    publicKeyPem: caKey.publicKeyPem,
    selfKeyPem: caKey.privateKeyPem,
    notBefore: common.notBefore,
    days: common.days,
  });
  progress("ca certificate");
  const issuer = { certPem: caCertPem, keyPem: caKey.privateKeyPem };
  const serverCertPem = buildCertificate({
    profile: "server",
    commonName: primaryHost,
    sans,
    publicKeyPem: serverKey.publicKeyPem,
    issuer,
    notBefore: common.notBefore,
    days: common.days,
  });
  progress("server certificate");
  const clientCertPem = buildCertificate({
    profile: "client",
    commonName: clientCn,
    publicKeyPem: clientKey.publicKeyPem,
    issuer,
    notBefore: common.notBefore,
    days: common.days,
  });
  progress("client certificate");
  return {
    caCertPem,
    caKeyPem: caKey.privateKeyPem,
    serverCertPem,
    serverKeyPem: serverKey.privateKeyPem,
    clientCertPem,
    clientKeyPem: clientKey.privateKeyPem,
  };
}

/** Generates a self-signed CA (new RSA key) with the CA profile: CA:TRUE, keyCertSign+cRLSign, SKI. */
export async function generateCa(options: GenerateCaOptions): Promise<CertifiedKey> {
  const commonName = assertCommonName(options.commonName, "commonName");
  const common = commonOptions(options);
  const key = await generateRsaKey(common.keySize);
  const certPem = buildCertificate({
    profile: "ca",
    commonName,
    publicKeyPem: key.publicKeyPem,
    selfKeyPem: key.privateKeyPem,
    notBefore: common.notBefore,
    days: common.days,
  });
  return { certPem, keyPem: key.privateKeyPem };
}

/**
 * Issues a new server or client leaf (new RSA key) from an existing CA: used
 * by CA rotation (`reissue-leaves`) and leaf renewal (`renew-leaves`). Refuses
 * a CA certificate that is not a CA or whose key does not match.
 */
export async function issueLeaf(options: IssueLeafOptions): Promise<CertifiedKey> {
  const { kind } = options;
  if (kind !== "server" && kind !== "client") {
    throw new StemguardError('leaf kind must be "server" or "client"', { field: "kind", value: kind, fix: 'pass kind: "server" or kind: "client"' });
  }
  let sans: SubjectAltName[] | undefined;
  if (kind === "server") {
    if (options.sans === undefined) {
      throw new StemguardError("a server certificate needs subjectAltNames", {
        field: "sans",
        fix: 'pass the names clients connect to, e.g. sans: "redis.internal,127.0.0.1"',
      });
    }
    sans = parseSans(options.sans, "sans");
  }
  const commonName = assertCommonName(options.commonName ?? (sans ? sans[0].value : DEFAULT_CLIENT_CN), "commonName");
  assertUsableCa(options.ca);
  const common = commonOptions(options);
  const key = await generateRsaKey(common.keySize);
  const certPem = buildCertificate({
    profile: kind,
    commonName,
    sans,
    publicKeyPem: key.publicKeyPem,
    issuer: { certPem: options.ca.certPem, keyPem: options.ca.keyPem },
    notBefore: common.notBefore,
    days: common.days,
  });
  return { certPem, keyPem: key.privateKeyPem };
}

function commonOptions(options: IssueCommonOptions): { days: number; keySize: RsaKeySize; notBefore: Date } {
  return {
    days: assertDays(options.days ?? 365, "days"),
    keySize: assertKeySize(options.keySize ?? 4096, "keySize"),
    notBefore: assertDate(options.notBefore ?? new Date(), "notBefore"),
  };
}

function assertUsableCa(ca: CertifiedKey): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(ca.certPem);
  } catch (err) {
    throw new StemguardError(`CA certificate is not a PEM certificate (${(err as Error).message})`, {
      field: "ca.certPem",
      fix: "pass the contents of ca.crt",
    });
  }
  if (!cert.ca) {
    throw new StemguardError("this certificate is not a CA (basicConstraints CA:FALSE)", {
      field: "ca.certPem",
      value: cert.subject,
      fix: "pass the CA certificate (ca.crt), not a leaf",
    });
  }
  let matches: boolean;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(ca.keyPem));
  } catch {
    matches = false;
  }
  if (!matches) {
    throw new StemguardError("the CA key does not belong to the CA certificate", {
      field: "ca.keyPem",
      fix: "pass the ca.key that was generated together with this ca.crt",
    });
  }
}
