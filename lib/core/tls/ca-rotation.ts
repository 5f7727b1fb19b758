import { X509Certificate, createPrivateKey } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { StemguardError } from "../errors";
import { activeCaId, applyTlsStep, fingerprint256Of, leafIssuerCaId, trustBundleCaIds } from "./ca-ledger";
import type { TlsCaLedger, TlsStep } from "./ca-ledger-types";
import { generateCa, generateTlsBundle, issueLeaf, type CertifiedKey, type TlsProgressEvent } from "./generate";
import { inspectTlsPath } from "./inspect-dir";
import { assertKeySize } from "./options";
import { commonNameOf } from "./pem";
import { renderTrustBundle } from "./trust-bundle";
import type { RsaKeySize } from "./types";
import { TLS_FILE_NAMES, assertPem, tlsBundlePaths, writeTlsBundle } from "./write-bundle";
import { writeFilesAtomically } from "./write-files";
import { decodeExtensions } from "./x509-extensions";

/** The current phase's trust bundle (PEM, all trusted CAs), kept at the top of the material directory. */
export const TRUST_BUNDLE_FILE = "trust-bundle.crt";

/**
 * What to do, with the material each step needs. Material lives in
 * `<materialDir>/<caId>/` under upstream's names (ca.crt, ca.key and the
 * leaves that CA issued), plus `<materialDir>/trust-bundle.crt`.
 */
export type TlsStepRequest =
  | {
      readonly op: "init";
      readonly caId: string;
      /** SANs for a new bundle; omit to adopt the six files already in `<materialDir>/<caId>/`. */
      readonly sans?: string | readonly string[];
      /** @default - the first SAN */
      readonly primaryHost?: string;
      /** @default "stem-client" */
      readonly clientCn?: string;
    }
  | {
      readonly op: "stage-ca";
      readonly caId: string;
      /** @default - the CA id */
      readonly commonName?: string;
    }
  | { readonly op: "reissue-leaves" }
  | { readonly op: "retire-ca"; readonly caId: string }
  | { readonly op: "renew-leaves" };

/** Options of {@link performTlsStep}. */
export interface PerformTlsStepOptions {
  /** Where CA directories and the trust bundle live. */
  readonly materialDir: string;
  /**
   * Validity of what this step issues.
   *
   * @default - 365 for init; for later steps the validity of the certificate being replaced
   */
  readonly days?: number;
  /**
   * RSA size of new keys.
   *
   * @default - 4096 for init; for later steps the size of the key being replaced
   */
  readonly keySize?: RsaKeySize;
  /** Progress of key generation (init only). */
  readonly onProgress?: (event: TlsProgressEvent) => void;
}

/** The outcome of a step: the new ledger (not yet saved) and the files written. */
export interface PerformedTlsStep {
  readonly ledger: TlsCaLedger;
  /** Absolute paths of files written, keys included (paths only). */
  readonly written: string[];
  readonly trustBundleFile: string;
}

const DAY_MS = 86_400_000;

/**
 * Takes one CA-rotation step end to end: checks it is legal, generates the
 * material it needs (new CA, reissued or renewed leaves), writes it under
 * `materialDir`, rewrites the trust bundle, and returns the next ledger. The
 * caller saves the ledger (one step = one pull request). Leaves keep the SANs
 * and CNs of the leaves they replace.
 */
export async function performTlsStep(ledger: TlsCaLedger, request: TlsStepRequest, options: PerformTlsStepOptions): Promise<PerformedTlsStep> {
  const root = path.resolve(options.materialDir);
  const caDir = (id: string) => path.join(root, id);
  const keySize = options.keySize === undefined ? undefined : assertKeySize(options.keySize, "keySize");
  const written: string[] = [];
  let step: TlsStep;

  switch (request.op) {
    case "init": {
      dryRun(ledger, { op: "init", caId: request.caId, caFingerprint256: PLACEHOLDER });
      const dir = caDir(request.caId);
      if (request.sans !== undefined) {
        const present = Object.values(TLS_FILE_NAMES).filter((n) => fs.existsSync(path.join(dir, n)));
        if (present.length > 0) {
          throw new StemguardError(`${dir} already holds TLS files`, {
            field: "sans",
            value: present,
            fix: "omit the SANs to adopt the bundle that is there, or choose another CA id",
          });
        }
        const bundle = await generateTlsBundle({
          sans: request.sans,
          primaryHost: request.primaryHost,
          clientCn: request.clientCn,
          days: options.days,
          keySize,
          onProgress: options.onProgress,
        });
        const paths = writeTlsBundle(dir, bundle);
        written.push(...Object.values(TLS_FILE_NAMES).map((n) => path.join(paths.dir, n)));
      } else {
        adoptBundle(dir);
      }
      step = { op: "init", caId: request.caId, caFingerprint256: fingerprintFile(dir, "ca.crt"), ...leafFingerprints(dir) };
      break;
    }
    case "stage-ca": {
      dryRun(ledger, { op: "stage-ca", caId: request.caId, caFingerprint256: PLACEHOLDER });
      const active = readCa(caDir(activeCaId(ledger)!));
      const ca = await generateCa({
        commonName: request.commonName ?? request.caId,
        days: options.days ?? validityDays(active.certPem),
        keySize: keySize ?? keyBits(active.keyPem),
      });
      writeFilesAtomically(caDir(request.caId), [
        { name: "ca.crt", content: ca.certPem, mode: 0o644 },
        { name: "ca.key", content: ca.keyPem, mode: 0o600 },
      ]);
      written.push(path.join(caDir(request.caId), "ca.crt"), path.join(caDir(request.caId), "ca.key"));
      step = { op: "stage-ca", caId: request.caId, caFingerprint256: fingerprint256Of(ca.certPem) };
      break;
    }
    case "reissue-leaves":
    case "renew-leaves": {
      dryRun(ledger, { op: request.op });
      const issuerId = request.op === "reissue-leaves" ? ledger.cas.find((c) => c.state === "staged")!.id : activeCaId(ledger)!;
      const current = caDir(leafIssuerCaId(ledger)!);
      const template = leafTemplate(current);
      const ca = readCa(caDir(issuerId));
      const days = options.days;
      const [server, client] = await Promise.all([
        issueLeaf({ kind: "server", ca, sans: template.sans, commonName: template.serverCn, days: days ?? template.serverDays, keySize: keySize ?? template.serverBits }),
        issueLeaf({ kind: "client", ca, commonName: template.clientCn, days: days ?? template.clientDays, keySize: keySize ?? template.clientBits }),
      ]);
      // Renewal replaces the leaves in place; the ledger keeps their fingerprints per generation.
      writeFilesAtomically(
        caDir(issuerId),
        [
          { name: "server.crt", content: server.certPem, mode: 0o644 },
          { name: "server.key", content: server.keyPem, mode: 0o600 },
          { name: "client.crt", content: client.certPem, mode: 0o644 },
          { name: "client.key", content: client.keyPem, mode: 0o600 },
        ],
        { overwrite: true },
      );
      written.push(...["server.crt", "server.key", "client.crt", "client.key"].map((n) => path.join(caDir(issuerId), n)));
      step = { op: request.op, serverFingerprint256: fingerprint256Of(server.certPem), clientFingerprint256: fingerprint256Of(client.certPem) };
      break;
    }
    case "retire-ca":
      step = { op: "retire-ca", caId: request.caId };
      break;
    default:
      throw new StemguardError("unknown step", {
        field: "op",
        value: (request as { op?: unknown }).op,
        fix: "use init, stage-ca, reissue-leaves, retire-ca or renew-leaves",
      });
  }

  const next = applyTlsStep(ledger, step);
  const pems = Object.fromEntries(trustBundleCaIds(next).map((id) => [id, readText(path.join(caDir(id), "ca.crt"))]));
  writeFilesAtomically(root, [{ name: TRUST_BUNDLE_FILE, content: renderTrustBundle(next, pems), mode: 0o644 }], { overwrite: true });
  const trustBundleFile = path.join(root, TRUST_BUNDLE_FILE);
  return { ledger: next, written: [...written, trustBundleFile], trustBundleFile };
}

// A syntactically valid fingerprint for checking a step's legality before generating keys.
const PLACEHOLDER = Array(32).fill("00").join(":");

function dryRun(ledger: TlsCaLedger, step: TlsStep): void {
  applyTlsStep(ledger, step);
}

function adoptBundle(dir: string): void {
  const missing = Object.values(TLS_FILE_NAMES).filter((n) => !fs.existsSync(path.join(dir, n)));
  if (missing.length > 0) {
    throw new StemguardError(`no complete bundle to adopt in ${dir}`, {
      field: "sans",
      value: missing,
      fix: "pass SANs to generate a new bundle there, or run 'stemguard tls generate' into that directory first",
    });
  }
  const report = inspectTlsPath(dir, { warnDays: 0 });
  const broken = report.problems.filter((p) => p.code === "chain-invalid" || p.code === "key-mismatch");
  if (broken.length > 0) {
    throw new StemguardError(`the bundle in ${dir} is inconsistent: ${broken.map((p) => p.message).join("; ")}`, {
      field: "sans",
      fix: "regenerate the bundle with 'stemguard tls generate'",
    });
  }
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new StemguardError(`cannot read (${(err as NodeJS.ErrnoException).code})`, {
      field: "materialDir",
      value: file,
      fix: "pass the material directory the earlier steps wrote (each CA's files are in <material>/<ca-id>/)",
    });
  }
}

function readCa(dir: string): CertifiedKey {
  const certPem = readText(path.join(dir, "ca.crt"));
  const keyPem = readText(path.join(dir, "ca.key"));
  assertPem(certPem, "CERTIFICATE", path.join(dir, "ca.crt"));
  assertPem(keyPem, "PRIVATE KEY", path.join(dir, "ca.key"));
  return { certPem, keyPem };
}

function fingerprintFile(dir: string, name: string): string {
  return fingerprint256Of(readText(path.join(dir, name)));
}

function leafFingerprints(dir: string): { serverFingerprint256: string; clientFingerprint256: string } {
  return { serverFingerprint256: fingerprintFile(dir, "server.crt"), clientFingerprint256: fingerprintFile(dir, "client.crt") };
}

function validityDays(certPem: string): number {
  const cert = new X509Certificate(certPem);
  return Math.max(1, Math.min(3650, Math.round((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY_MS)));
}

function keyBits(keyPem: string): RsaKeySize {
  const bits = createPrivateKey(keyPem).asymmetricKeyDetails?.modulusLength;
  return bits === 2048 || bits === 3072 || bits === 4096 ? bits : 4096;
}

/** Names, validity and key sizes of the leaves in use, so replacements keep them. */
function leafTemplate(dir: string) {
  const paths = tlsBundlePaths(dir);
  const server = new X509Certificate(readText(paths.serverCert));
  const client = new X509Certificate(readText(paths.clientCert));
  const ext = decodeExtensions(server.raw);
  return {
    sans: [...ext.dnsNames, ...ext.ipAddresses],
    serverCn: commonNameOf(server.subject) ?? undefined,
    clientCn: commonNameOf(client.subject) ?? undefined,
    serverDays: validityDays(server.toString()),
    clientDays: validityDays(client.toString()),
    serverBits: keyBits(readText(paths.serverKey)),
    clientBits: keyBits(readText(paths.clientKey)),
  };
}
