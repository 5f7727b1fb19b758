import * as fs from "node:fs";
import * as path from "node:path";
import { StemguardError } from "../errors";
import { syncDirectory, writeTempFile } from "../fs/atomic-write";

/** One file of a set written together. */
export interface PendingFile {
  /** File name inside the directory (no path separators). */
  readonly name: string;
  readonly content: string;
  /** 0o600 for keys, 0o644 for certificates. */
  readonly mode: number;
}

/**
 * Writes a set of files into `dir` all-or-nothing as far as a filesystem
 * allows: every file goes to a temp file first; only when all are on disk are
 * they renamed into place. A failure removes the temps and any directory this
 * call created. New directories get mode 0700 (they hold keys). Refuses to
 * replace existing files unless `overwrite`, and never replaces a non-file.
 */
export function writeFilesAtomically(dir: string, files: readonly PendingFile[], options: { overwrite?: boolean } = {}): void {
  const root = path.resolve(dir);
  const target = (f: PendingFile) => path.join(root, f.name);
  if (fs.existsSync(root) && !fs.statSync(root).isDirectory()) {
    throw new StemguardError("output path exists and is not a directory", { field: "dir", value: root, fix: "choose a directory path" });
  }
  // Checked before anything is written: a rename onto a directory would fail half-way through.
  const blocking = files.filter((f) => fs.existsSync(target(f)) && !fs.lstatSync(target(f)).isFile()).map((f) => f.name);
  if (blocking.length > 0) {
    throw new StemguardError("these names exist and are not regular files", { field: "dir", value: blocking, fix: "remove them or choose another directory" });
  }
  if (!options.overwrite) {
    const existing = files.filter((f) => fs.existsSync(target(f))).map((f) => f.name);
    if (existing.length > 0) {
      throw new StemguardError(`refusing to overwrite existing TLS files in ${root}`, {
        field: "dir",
        value: existing,
        fix: "choose an empty directory, or pass --force (overwrite: true) to replace them",
      });
    }
  }

  // The first directory this call creates (parents included), removed again on failure.
  let created: string | undefined;
  if (!fs.existsSync(root)) {
    try {
      created = fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new StemguardError(`cannot create the output directory (${(err as NodeJS.ErrnoException).code})`, {
        field: "dir",
        value: root,
        fix: "choose a path whose parents are directories you can write",
      });
    }
    fs.chmodSync(root, 0o700); // umask may have widened or narrowed it
  }
  const temps: string[] = [];
  try {
    for (const file of files) temps.push(writeTempFile(root, file.name, file.content, file.mode));
    files.forEach((file, i) => fs.renameSync(temps[i], target(file)));
    syncDirectory(root);
  } catch (err) {
    for (const tmp of temps) fs.rmSync(tmp, { force: true });
    if (created) fs.rmSync(created, { recursive: true, force: true });
    throw err;
  }
}
