import * as fs from "node:fs";
import * as path from "node:path";
import { StemguardError } from "../errors";
import { describeKind } from "./read-regular-file";

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
  assertWriteTarget(target, options.field ?? file);
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

/** Kernel and device trees: writing there is never what a user means, and some files there never end a write. */
const SYSTEM_TREES = ["/proc", "/sys", "/dev"];

/**
 * Refuses a write target that is not a regular file or absent: a symbolic
 * link (replacing it would leave its target at the old content, and
 * following it could overwrite anything, /dev/null included), a FIFO, a
 * device or a socket; and any path under /proc, /sys or /dev
 * (after resolving links in its directory). Call it before creating
 * directories for the file.
 */
export function assertWriteTarget(file: string, field: string): void {
  const target = path.resolve(file);
  const refuse = (problem: string, fix: string): never => {
    throw new StemguardError(problem, { field, value: file, fix });
  };
  const dir = realDirectory(path.dirname(target));
  const inTree = SYSTEM_TREES.find((tree) => dir === tree || dir.startsWith(`${tree}/`) || target === tree);
  if (inTree) refuse(`refusing to write under ${inTree} (stemguard writes regular files only)`, "choose a path in an ordinary directory");
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(target);
  } catch {
    return; // absent (or unreachable: the write itself reports why)
  }
  if (stat.isSymbolicLink()) {
    refuse(
      "is a symbolic link; stemguard writes regular files only (replacing the link would leave the file it points to unchanged)",
      "pass the real file's path, or remove the link",
    );
  }
  // A directory is left to the write itself: renaming onto it fails (EISDIR) without touching anything.
  if (!stat.isFile() && !stat.isDirectory()) {
    refuse(`exists and is ${describeKind(stat)}, not a regular file`, "choose a path that is a regular file or does not exist yet");
  }
}

/**
 * Creates `dir` (and its parents) for output files after refusing what no
 * output directory may be: a path under /proc, /sys or /dev (after resolving
 * links), a symbolic link, or an existing non-directory. File system errors
 * (read-only mount, no permission) become StemguardErrors naming `field`.
 */
export function makeOutputDirectory(dir: string, field: string): void {
  const target = path.resolve(dir);
  const real = realDirectory(target);
  const inTree = SYSTEM_TREES.find((tree) => real === tree || real.startsWith(`${tree}/`));
  if (inTree) throw new StemguardError(`refusing to write under ${inTree} (stemguard writes regular files only)`, { field, value: dir, fix: "choose a directory in an ordinary file system" });
  let stat: fs.Stats | undefined;
  try {
    stat = fs.lstatSync(target);
  } catch {
    stat = undefined;
  }
  if (stat && !stat.isDirectory()) {
    throw new StemguardError(`exists and is ${stat.isSymbolicLink() ? "a symbolic link" : describeKind(stat)}, not a directory`, { field, value: dir, fix: "choose a directory that does not exist yet or is a real directory" });
  }
  try {
    fs.mkdirSync(target, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw describeWriteError(err, dir, field);
  }
}

/** The real path of `dir`, or of its nearest existing ancestor joined with the rest. */
function realDirectory(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    const parent = path.dirname(dir);
    return parent === dir ? dir : path.join(realDirectory(parent), path.basename(dir));
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
  if (err instanceof StemguardError || typeof code !== "string") return err;
  const fixes: Record<string, string> = {
    ENOENT: "create the directory first, or choose a path in an existing directory",
    EEXIST: "choose a new file, or remove the existing one if you really mean to replace it",
    EACCES: "check the permissions of the directory",
    EPERM: "check the permissions of the directory",
    EISDIR: "the path is a directory; give a file name",
    ENOTDIR: "a part of the path is a file, not a directory",
    EROFS: "the file system is read-only; write somewhere else",
    ENOSPC: "the disk is full; free space and retry",
    EDQUOT: "the disk quota is exhausted; free space and retry",
    EFBIG: "the file is too large for this file system; write somewhere else",
    ENAMETOOLONG: "use a shorter path",
    ELOOP: "a part of the path is a loop of symbolic links; use the real path",
    EXDEV: "write the file on the same file system as its directory",
  };
  const problem = code === "EEXIST" ? "file exists; refusing to overwrite it" : `cannot write the file (${code})`;
  // Any other file system error is still about this path, not a stemguard bug: exit 64, not 2.
  return new StemguardError(problem, { field, value: file, fix: fixes[code] ?? "check the path, its permissions and free space" });
}
