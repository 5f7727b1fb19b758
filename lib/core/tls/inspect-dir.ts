import * as fs from "node:fs";
import * as path from "node:path";
import { StemguardError } from "../errors";
import { READ_CAPS } from "../fs/limits";
import { readRegularTextFile } from "../fs/read-regular-file";
import { inspectCertificates, type InspectProblem, type InspectReport } from "./inspect";

/** Options of {@link inspectTlsPath}. */
export interface InspectPathOptions {
  /**
   * Trusted CA file. For a directory, `<dir>/ca.crt` is used when present.
   *
   * @default - none for a file; `<dir>/ca.crt` for a directory
   */
  readonly caFile?: string;
  /**
   * Private key that must match the certificate (file mode only; in a
   * directory each `<name>.key` is matched with `<name>.crt`).
   *
   * @default - no key check for a file
   */
  readonly keyFile?: string;
  /** @default 30 */
  readonly warnDays?: number;
  /** @default - now */
  readonly now?: Date;
}

/** The report for one certificate file. */
export interface InspectedFile {
  readonly file: string;
  /** The key file checked against it, if any. */
  readonly keyFile?: string;
  readonly report: InspectReport;
}

/** Reports for a file or for the upstream files of a directory, plus the overall verdict. */
export interface InspectPathReport {
  readonly caFile?: string;
  readonly files: InspectedFile[];
  readonly ok: boolean;
  readonly problems: (InspectProblem & { readonly file: string })[];
}

const DIR_CERTS = ["ca", "server", "client"] as const;

/**
 * Inspects a certificate file, or a directory with upstream's names
 * (`ca.crt`, `server.crt`, `client.crt`, each with its `.key` when present).
 * Keys are only read to check they match; nothing of them is returned.
 */
export function inspectTlsPath(target: string, options: InspectPathOptions = {}): InspectPathReport {
  const stat = statOrThrow(target, "PATH");
  const common = { warnDays: options.warnDays, now: options.now };
  const caFile = options.caFile ?? (stat.isDirectory() && fs.existsSync(path.join(target, "ca.crt")) ? path.join(target, "ca.crt") : undefined);
  const caPem = caFile === undefined ? undefined : readText(caFile, "--ca");
  const files: InspectedFile[] = [];
  if (stat.isDirectory()) {
    if (options.keyFile !== undefined) {
      throw new StemguardError("--key applies to a single certificate file", {
        field: "--key",
        value: options.keyFile,
        fix: "drop --key: in a directory each <name>.key is checked against <name>.crt",
      });
    }
    for (const name of DIR_CERTS) {
      const file = path.join(target, `${name}.crt`);
      if (!fs.existsSync(file)) continue;
      const keyFile = path.join(target, `${name}.key`);
      const hasKey = fs.existsSync(keyFile);
      const report = inspectCertificates(readText(file, "PATH"), {
        ...common,
        caPem,
        keyPem: hasKey ? readText(keyFile, "PATH") : undefined,
        fieldNames: { pem: file, caPem: caFile, keyPem: keyFile },
      });
      files.push({ file, ...(hasKey ? { keyFile } : {}), report });
    }
    if (files.length === 0) {
      throw new StemguardError("no ca.crt, server.crt or client.crt in this directory", {
        field: "PATH",
        value: target,
        fix: "point at a directory written by 'stemguard tls generate', or at a certificate file",
      });
    }
  } else {
    const keyPem = options.keyFile === undefined ? undefined : readText(options.keyFile, "--key");
    files.push({
      file: target,
      ...(options.keyFile !== undefined ? { keyFile: options.keyFile } : {}),
      report: inspectCertificates(readText(target, "PATH"), {
        ...common,
        caPem,
        keyPem,
        fieldNames: { pem: target, caPem: caFile, keyPem: options.keyFile },
      }),
    });
  }
  const problems = files.flatMap((f) => f.report.problems.map((p) => ({ ...p, file: f.file })));
  return { ...(caFile !== undefined ? { caFile } : {}), files, ok: problems.length === 0, problems };
}

function statOrThrow(file: string, field: string): fs.Stats {
  try {
    return fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StemguardError(code === "ENOENT" ? "does not exist" : `cannot read (${code})`, { field, value: file, fix: "check the path" });
  }
}

function readText(file: string, field: string): string {
  return readRegularTextFile(file, { field, maxBytes: READ_CAPS.pem, what: "certificate or key file" });
}
