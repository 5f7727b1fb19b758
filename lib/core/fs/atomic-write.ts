import * as fs from "node:fs";
import * as path from "node:path";
import { StemguardError } from "../errors";

export interface AtomicWriteOptions {
  /**
   * File mode of the written file.
   *
   * @default 0o644
   */
  readonly mode?: number;
  /**
   * Replace an existing file. When false the final step is a hard link that
   * fails if the file exists, so two writers cannot both win (no
   * check-then-write race): use it for key material.
   *
   * @default true
   */
  readonly overwrite?: boolean;
  /**
   * The flag or field to name in errors.
   *
   * @default - the file path
   */
  readonly field?: string;
}

/**
 * Writes `data` to `file` so that readers see the old content or the new one,
 * never a half-written file: write a temp file in the same directory, fsync,
 * then rename (or link) it into place and fsync the directory. File system
 * errors become StemguardErrors that name the file and the fix.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  let tmp: string | undefined;
  try {
    tmp = writeTempFile(dir, path.basename(target), data, options.mode ?? 0o644);
    if (options.overwrite === false) {
      fs.linkSync(tmp, target);
      fs.rmSync(tmp);
    } else {
      fs.renameSync(tmp, target);
    }
    syncDirectory(dir);
  } catch (err) {
    if (tmp !== undefined) fs.rmSync(tmp, { force: true });
    throw describeWriteError(err, file, options.field ?? file);
  }
}

/**
 * Writes `data` to a new hidden temp file beside `name` in `dir`, synced to
 * disk and with exactly `mode` (whatever the umask); returns its path. The
 * caller renames it into place, or removes it on failure.
 */
export function writeTempFile(dir: string, name: string, data: string | Uint8Array, mode: number): string {
  const tmp = path.join(dir, `.${name}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, "wx", mode);
  try {
    if (typeof data === "string") fs.writeSync(fd, data);
    else fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.chmodSync(tmp, mode);
  return tmp;
}

/** Makes renames in `dir` durable. Best effort: some file systems refuse fsync on directories. */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // The rename itself is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Turns a file system error from writing `file` into a StemguardError that
 * names `field`, the file and the fix; returns other errors unchanged.
 */
export function describeWriteError(err: unknown, file: string, field: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const fixes: Record<string, string> = {
    ENOENT: "create the directory first, or choose a path in an existing directory",
    EEXIST: "choose a new file, or remove the existing one if you really mean to replace it",
    EACCES: "check the permissions of the directory",
    EPERM: "check the permissions of the directory",
    EISDIR: "the path is a directory; give a file name",
    ENOTDIR: "a part of the path is a file, not a directory",
    EROFS: "the file system is read-only; write somewhere else",
    ENOSPC: "the disk is full; free space and retry",
  };
  if (!code || !(code in fixes)) return err;
  const problem = code === "EEXIST" ? "file exists; refusing to overwrite it" : `cannot write the file (${code})`;
  return new StemguardError(problem, { field, value: file, fix: fixes[code] });
}
