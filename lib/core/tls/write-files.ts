import * as fs from "node:fs";
import * as path from "node:path";
import { StemguardError } from "../errors";
import { assertWriteTarget, describeWriteError, syncDirectory, writeTempFile } from "../fs/atomic-write";

/** One file of a set written together. */
export interface PendingFile {
  /** File name inside the directory (no path separators). */
  readonly name: string;
  readonly content: string;
  /** 0o600 for keys, 0o644 for certificates. */
  readonly mode: number;
}

/** One file of a set committed together by {@link writeFileSet}. */
export interface FileSetEntry {
  /** Absolute path of the file. */
  readonly file: string;
  readonly content: string;
  /** 0o600 for keys, 0o644 for certificates and ledgers. */
  readonly mode: number;
  /**
   * Replace a file already there (it is put back if the set fails). When
   * false the final step is a hard link that fails if the file exists.
   *
   * @default false
   */
  readonly overwrite?: boolean;
  /**
   * Create the file's missing parent directories, mode 0700 (they hold keys).
   *
   * @default false
   */
  readonly createDir?: boolean;
  /**
   * The flag or field to name in errors (the caller's name for the file or
   * its directory: a CLI flag such as `--material`, or an option name).
   *
   * @default - the file path (and "dir" for directory creation)
   */
  readonly field?: string;
}

/**
 * Checks, without writing anything, that `files` can be written into `dir`:
 * `dir` is a directory or absent, no name is taken by a non-file (a rename
 * onto a directory would fail half-way through), and, unless `overwrite`, no
 * name exists yet.
 */
export function assertFilesWritable(dir: string, names: readonly string[], options: { overwrite?: boolean; field?: string } = {}): void {
  const root = path.resolve(dir);
  const field = options.field ?? "dir";
  const target = (name: string) => path.join(root, name);
  if (fs.existsSync(root) && !fs.statSync(root).isDirectory()) {
    throw new StemguardError("output path exists and is not a directory", { field, value: root, fix: "choose a directory path" });
  }
  // Links, FIFOs and devices are refused, and so is anything under /proc, /sys or /dev.
  for (const name of names) assertWriteTarget(target(name), field);
  const blocking = names.filter((n) => fs.existsSync(target(n)) && !fs.lstatSync(target(n)).isFile());
  if (blocking.length > 0) {
    throw new StemguardError("these names exist and are not regular files", { field, value: blocking, fix: "remove them or choose another directory" });
  }
  if (!options.overwrite) {
    const existing = names.filter((n) => fs.existsSync(target(n)));
    if (existing.length > 0) {
      throw new StemguardError(`refusing to overwrite existing TLS files in ${root}`, {
        field,
        value: existing,
        fix: "choose an empty directory, or pass --force (overwrite: true) to replace them",
      });
    }
  }
}

/**
 * Writes a set of files into `dir` all-or-nothing as far as a filesystem
 * allows (see {@link writeFileSet}). New directories get mode 0700 (they hold
 * keys). Refuses to replace existing files unless `overwrite`, and never
 * replaces a non-file.
 */
export function writeFilesAtomically(dir: string, files: readonly PendingFile[], options: { overwrite?: boolean; field?: string } = {}): void {
  const root = path.resolve(dir);
  assertFilesWritable(root, files.map((f) => f.name), options);
  writeFileSet(files.map((f) => ({ file: path.join(root, f.name), content: f.content, mode: f.mode, overwrite: options.overwrite, createDir: true, field: options.field })));
}

/**
 * Writes files (in any directories) so that either all of them land or none
 * does, as far as a filesystem allows: every file goes to a temp file beside
 * its target first; only when all are on disk are they moved into place, in
 * order (put the commit record, e.g. a ledger, last). Any failure removes the
 * temps and every file placed so far, puts back each file it replaced
 * (byte-identical: the old file is kept as a hard link until the end), and
 * removes the directories it created. File system errors become
 * StemguardErrors naming the entry's field.
 */
export function writeFileSet(entries: readonly FileSetEntry[]): void {
  const created: string[] = []; // the first directory each mkdir made, parents included
  const temps = new Map<number, string>();
  const backups = new Map<number, string>(); // replaced file kept under a hidden name until the set is done
  const placed: number[] = [];
  const dirs = new Set(entries.map((e) => path.dirname(path.resolve(e.file))));
  const attempt = <T>(entry: FileSetEntry, run: () => T): T => {
    try {
      return run();
    } catch (err) {
      throw describeWriteError(err, entry.file, entry.field ?? entry.file);
    }
  };

  // Nothing is written when any target is a link, FIFO, device or directory, or lies under /proc, /sys or /dev.
  for (const entry of entries) assertWriteTarget(entry.file, entry.field ?? entry.file);
  try {
    for (const entry of entries) {
      const dir = path.dirname(path.resolve(entry.file));
      if (entry.createDir && !fs.existsSync(dir)) {
        try {
          const first = fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
          if (first) created.push(first);
        } catch (err) {
          throw new StemguardError(`cannot create the output directory (${(err as NodeJS.ErrnoException).code})`, {
            field: entry.field ?? "dir",
            value: dir,
            fix: "choose a path whose parents are directories you can write",
          });
        }
        fs.chmodSync(dir, 0o700); // umask may have widened or narrowed it
      }
    }
    entries.forEach((entry, i) => {
      const target = path.resolve(entry.file);
      temps.set(i, attempt(entry, () => writeTempFile(path.dirname(target), path.basename(target), entry.content, entry.mode)));
    });
    entries.forEach((entry, i) => {
      const target = path.resolve(entry.file);
      const tmp = temps.get(i)!;
      attempt(entry, () => {
        if (!entry.overwrite) {
          fs.linkSync(tmp, target); // fails if the file exists: no check-then-write race
          placed.push(i);
          fs.rmSync(tmp);
        } else {
          const old = lstatOrUndefined(target);
          if (old && !old.isDirectory()) {
            const backup = `${tmp}.old`;
            fs.linkSync(target, backup);
            backups.set(i, backup);
          }
          fs.renameSync(tmp, target);
          placed.push(i);
        }
        temps.delete(i);
      });
    });
  } catch (err) {
    const leftovers = rollBack(entries, { created, temps, backups, placed });
    for (const dir of dirs) if (fs.existsSync(dir)) syncDirectory(dir);
    if (leftovers.length > 0) {
      throw new StemguardError(`writing failed (${(err as Error).message}) and rolling back left these paths behind`, {
        field: err instanceof StemguardError ? err.field : "dir",
        value: leftovers,
        fix: "restore or remove them by hand (each replaced file is kept beside it as a hidden .old file), then retry",
      });
    }
    throw err;
  }
  for (const backup of backups.values()) fs.rmSync(backup, { force: true });
  for (const dir of new Set([...dirs, ...created.map((d) => path.dirname(d))])) syncDirectory(dir);
}

/** Undoes a failed {@link writeFileSet}, newest first; returns the paths it could not restore. */
function rollBack(
  entries: readonly FileSetEntry[],
  state: { created: string[]; temps: Map<number, string>; backups: Map<number, string>; placed: number[] },
): string[] {
  const leftovers: string[] = [];
  const tryTo = (file: string, run: () => void) => {
    try {
      run();
    } catch {
      leftovers.push(file);
    }
  };
  for (const i of [...state.placed].reverse()) {
    const target = path.resolve(entries[i].file);
    const backup = state.backups.get(i);
    tryTo(target, () => (backup ? fs.renameSync(backup, target) : fs.rmSync(target, { force: true })));
    state.backups.delete(i);
  }
  for (const file of [...state.temps.values(), ...state.backups.values()]) tryTo(file, () => fs.rmSync(file, { force: true }));
  for (const dir of [...state.created].reverse()) tryTo(dir, () => fs.rmSync(dir, { recursive: true, force: true }));
  return leftovers;
}

function lstatOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch {
    return undefined;
  }
}
