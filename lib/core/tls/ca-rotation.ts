import { X509Certificate, createPrivateKey } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { StemguardError } from "../errors";
import { READ_CAPS } from "../fs/limits";
import { readRegularTextFile } from "../fs/read-regular-file";
import { activeCaId, applyTlsStep, fingerprint256Of, leafIssuerCaId, trustBundleCaIds } from "./ca-ledger";
import { serializeTlsLedger } from "./ca-ledger-file";
import type { TlsCaLedger, TlsStep } from "./ca-ledger-types";
import { generateCa, generateTlsBundle, issueLeaf, type CertifiedKey, type TlsProgressEvent } from "./generate";
import { inspectTlsPath } from "./inspect-dir";
import { assertKeySize } from "./options";
import { commonNameOf } from "./pem";
import { renderTrustBundle } from "./trust-bundle";
import type { RsaKeySize } from "./types";
import { TLS_FILE_NAMES, assertPem, tlsBundleFiles, tlsBundlePaths } from "./write-bundle";
import { assertFilesWritable, writeFileSet, type FileSetEntry, type PendingFile } from "./write-files";
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

/** Options of {@link planTlsStep}. */
export interface PlanTlsStepOptions {
  /** Where CA directories and the trust bundle live. */
  readonly materialDir: string;
  /**
   * The flag or field to name in errors about the material directory and its
   * files (e.g. `--material`).
   *
   * @default "materialDir"
   */
  readonly materialField?: string;
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

/** Options of {@link commitTlsStep}. */
export interface CommitTlsStepOptions {
  /**
   * The ledger file, saved in the same all-or-nothing write as the material
   * (last, as the commit record). Must not exist yet when the step is init.
   *
   * @default - the ledger is not saved; the caller saves `ledger`
   */
  readonly ledgerFile?: string;
  /**
   * The flag or field to name in errors about the ledger file.
   *
   * @default - the ledger file path
   */
  readonly ledgerField?: string;
}

/** Options of {@link performTlsStep}. */
export interface PerformTlsStepOptions extends PlanTlsStepOptions, CommitTlsStepOptions {}

/** A step worked out in memory: the next ledger and every file to write, nothing written yet. */
export interface PlannedTlsStep {
  readonly ledger: TlsCaLedger;
  /** Material first (new or replaced keys and certificates), then the trust bundle. */
  readonly files: readonly PlannedTlsFile[];
  readonly trustBundleFile: string;
  /** The name errors give the material directory (`PlanTlsStepOptions.materialField`). */
  readonly materialField: string;
}

/** A file of a {@link PlannedTlsStep}. */
export interface PlannedTlsFile {
  /** Absolute path. */
  readonly file: string;
  readonly content: string;
  /** 0o600 for keys, 0o644 for certificates and the trust bundle. */
  readonly mode: number;
  /** Whether the step replaces a file that may exist (leaves on renewal, the trust bundle). */
  readonly overwrite: boolean;
}

/** The outcome of a step: the new ledger and the files written. */
export interface PerformedTlsStep {
  readonly ledger: TlsCaLedger;
  /** Absolute paths of material files written, keys included (paths only), then the trust bundle; not the ledger. */
  readonly written: string[];
  readonly trustBundleFile: string;
}

const DAY_MS = 86_400_000;

/**
 * Takes one CA-rotation step end to end: {@link planTlsStep} then
 * {@link commitTlsStep}. With `ledgerFile` the ledger is saved together with
 * the material, so a failure leaves material and ledger as they were (one
 * step = one pull request); without it the caller saves the returned ledger.
 */
export async function performTlsStep(ledger: TlsCaLedger, request: TlsStepRequest, options: PerformTlsStepOptions): Promise<PerformedTlsStep> {
  return commitTlsStep(await planTlsStep(ledger, request, options), options);
}

/**
 * Works out one CA-rotation step without writing anything: checks it is
 * legal, generates the material it needs (new CA, reissued or renewed leaves)
 * and renders the trust bundle, reading the current material from
 * `materialDir`. Leaves keep the SANs and CNs of the leaves they replace.
 */
export async function planTlsStep(ledger: TlsCaLedger, request: TlsStepRequest, options: PlanTlsStepOptions): Promise<PlannedTlsStep> {
  const root = path.resolve(options.materialDir);
  const materialField = options.materialField ?? "materialDir";
  const caDir = (id: string) => path.join(root, id);
  const keySize = options.keySize === undefined ? undefined : assertKeySize(options.keySize, "keySize");
  const files: PlannedTlsFile[] = [];
  const plan = (dir: string, pending: readonly PendingFile[], overwrite: boolean) => {
    for (const f of pending) files.push({ file: path.join(dir, f.name), content: f.content, mode: f.mode, overwrite });
  };
  // What the step will have written, else what is on disk.
  const textOf = (file: string) => files.find((f) => f.file === file)?.content ?? readText(file);
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
        plan(dir, tlsBundleFiles(bundle), false);
      } else {
        adoptBundle(dir);
      }
      const fingerprintOf = (name: string) => fingerprint256Of(textOf(path.join(dir, name)));
      step = {
        op: "init",
        caId: request.caId,
        caFingerprint256: fingerprintOf("ca.crt"),
        serverFingerprint256: fingerprintOf("server.crt"),
        clientFingerprint256: fingerprintOf("client.crt"),
      };
      break;
    }
    case "stage-ca": {
      dryRun(ledger, { op: "stage-ca", caId: request.caId, caFingerprint256: PLACEHOLDER });
      const dir = caDir(request.caId);
      // Checked before spending seconds on the key; the commit checks again.
      const leftover = ["ca.crt", "ca.key"].filter((name) => fs.existsSync(path.join(dir, name)));
      if (leftover.length > 0) {
        throw new StemguardError(`the new CA's directory ${dir} already holds ${leftover.join(" and ")}, which no ledger step wrote`, {
          field: "<ca-id>",
          value: request.caId,
          fix: `choose another CA id, or remove ${dir} if it is left from an earlier attempt`,
        });
      }
      assertFilesWritable(dir, ["ca.crt", "ca.key"], { field: materialField });
      const active = readCa(caDir(activeCaId(ledger)!));
      const ca = await generateCa({
        commonName: request.commonName ?? request.caId,
        days: options.days ?? validityDays(active.certPem),
        keySize: keySize ?? keyBits(active.keyPem),
      });
      plan(
        dir,
        [
          { name: "ca.crt", content: ca.certPem, mode: 0o644 },
          { name: "ca.key", content: ca.keyPem, mode: 0o600 },
        ],
        false,
      );
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
      plan(
        caDir(issuerId),
        [
          { name: "server.crt", content: server.certPem, mode: 0o644 },
          { name: "server.key", content: server.keyPem, mode: 0o600 },
          { name: "client.crt", content: client.certPem, mode: 0o644 },
          { name: "client.key", content: client.keyPem, mode: 0o600 },
        ],
        true,
      );
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
  const pems = Object.fromEntries(trustBundleCaIds(next).map((id) => [id, textOf(path.join(caDir(id), "ca.crt"))]));
  const trustBundleFile = path.join(root, TRUST_BUNDLE_FILE);
  files.push({ file: trustBundleFile, content: renderTrustBundle(next, pems), mode: 0o644, overwrite: true });
  return { ledger: next, files, trustBundleFile, materialField };
}

/**
 * Writes a planned step: its material files, the trust bundle and (with
 * `ledgerFile`) the ledger, all or nothing. Every check that needs no write
 * (ledger valid, no file in the way) runs first; then all files go to temp
 * files and are moved into place with the ledger last. On any failure every
 * file this call created is removed and every file it replaced is put back,
 * so material and ledger are byte for byte as before and the same step can be
 * retried. New directories get mode 0700, keys 0600.
 */
export function commitTlsStep(plan: PlannedTlsStep, options: CommitTlsStepOptions = {}): PerformedTlsStep {
  const ledgerText = options.ledgerFile === undefined ? undefined : serializeTlsLedger(plan.ledger);
  const byDir = new Map<string, PlannedTlsFile[]>();
  for (const f of plan.files) byDir.set(path.dirname(f.file), [...(byDir.get(path.dirname(f.file)) ?? []), f]);
  for (const [dir, files] of byDir) {
    for (const overwrite of [false, true]) {
      const names = files.filter((f) => f.overwrite === overwrite).map((f) => path.basename(f.file));
      if (names.length > 0) assertFilesWritable(dir, names, { overwrite, field: plan.materialField });
    }
  }
  const entries: FileSetEntry[] = plan.files.map((f) => ({ ...f, createDir: true, field: plan.materialField }));
  if (options.ledgerFile !== undefined) {
    const file = path.resolve(options.ledgerFile);
    // A new history must not replace a ledger that appeared meanwhile; later steps replace the one they read.
    entries.push({ file, content: ledgerText!, mode: 0o644, overwrite: plan.ledger.phase > 1, field: options.ledgerField ?? file });
  }
  writeFileSet(entries);
  return { ledger: plan.ledger, written: plan.files.map((f) => f.file), trustBundleFile: plan.trustBundleFile };
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
  return readRegularTextFile(file, {
    field: "materialDir",
    maxBytes: READ_CAPS.pem,
    what: "certificate or key file",
    missingFix: "pass the material directory the earlier steps wrote (each CA's files are in <material>/<ca-id>/)",
  });
}

function readCa(dir: string): CertifiedKey {
  const certPem = readText(path.join(dir, "ca.crt"));
  const keyPem = readText(path.join(dir, "ca.key"));
  assertPem(certPem, "CERTIFICATE", path.join(dir, "ca.crt"));
  assertPem(keyPem, "PRIVATE KEY", path.join(dir, "ca.key"));
  return { certPem, keyPem };
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
