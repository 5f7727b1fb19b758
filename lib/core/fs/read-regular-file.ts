import * as fs from "node:fs";
import { StemguardError } from "../errors";
import { formatBytes } from "./limits";

/** Options of readRegularFile. */
export interface ReadRegularFileOptions {
  /** The flag or field to name in errors (e.g. `--ledger`). */
  readonly field: string;
  /** Largest file accepted, in bytes (see READ_CAPS); the cap is named in the error. */
  readonly maxBytes: number;
  /**
   * What the file is, for messages ("ledger file", "env file").
   *
   * @default "file"
   */
  readonly what?: string;
  /**
   * What to do when the file does not exist.
   *
   * @default "check the path"
   */
  readonly missingFix?: string;
  /**
   * The path to print as the value received; `null` when `field` already names the file.
   *
   * @default - `file`
   */
  readonly shownPath?: string | null;
  /**
   * Refuse a symbolic link instead of following it (O_NOFOLLOW). Files that
   * stemguard also writes (ledgers) set it, so that reading and writing agree
   * on which file is meant.
   *
   * @default false
   */
  readonly noFollow?: boolean;
}

const CHUNK = 64 * 1024;

/**
 * The one reader for files named on the command line: regular files only,
 * read at most `maxBytes`. The file is opened with O_NONBLOCK (a FIFO
 * returns at once instead of blocking) and checked with fstat on the opened
 * descriptor (no race between the check and the read), so a FIFO, a device
 * such as /dev/zero, a socket or a directory is refused with exit 64, and a
 * /proc file that claims size 0 still stops at the cap.
 */
export function readRegularFile(file: string, options: ReadRegularFileOptions): Buffer {
  const what = options.what ?? "file";
  const fail = (problem: string, fix: string): never => {
    throw new StemguardError(problem, { field: options.field, ...valueOf(file, options), fix });
  };
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | (options.noFollow ? fs.constants.O_NOFOLLOW : 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    if (code === "ENOENT") return fail(`${what} does not exist`, options.missingFix ?? "check the path");
    if (code === "ELOOP") return fail(`${what} is a symbolic link; stemguard reads and writes this file only as a regular file`, "point the flag at the real file, not a link to it");
    if (code === "EACCES" || code === "EPERM") return fail(`cannot read the ${what} (${code})`, "check the file's permissions");
    return fail(`cannot read the ${what} (${code})`, "check the path and that it is a readable regular file");
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) fail(`${what} is ${describeKind(stat)}, not a regular file`, "pass a regular file (stemguard does not read pipes, devices or directories)");
    if (stat.size > options.maxBytes) {
      fail(`${what} is ${stat.size} bytes, above the ${formatBytes(options.maxBytes)} cap for this input`, "check that this is the right file");
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(CHUNK, options.maxBytes + 1 - total));
      let n: number;
      try {
        n = fs.readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        return fail(`cannot read the ${what} (${(err as NodeJS.ErrnoException).code ?? "error"})`, "check that it is a readable regular file");
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > options.maxBytes) fail(`${what} is larger than the ${formatBytes(options.maxBytes)} cap for this input`, "check that this is the right file");
    }
    return Buffer.concat(chunks, total);
  } finally {
    fs.closeSync(fd);
  }
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** readRegularFile, decoded as strict UTF-8 (a leading BOM is dropped). */
export function readRegularTextFile(file: string, options: ReadRegularFileOptions): string {
  const bytes = readRegularFile(file, options);
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new StemguardError(`the ${options.what ?? "file"} is not valid UTF-8`, { field: options.field, ...valueOf(file, options), fix: "re-save it as UTF-8 text" });
  }
}

function valueOf(file: string, options: ReadRegularFileOptions): { value?: string } {
  return options.shownPath === null ? {} : { value: options.shownPath ?? file };
}

/** "a FIFO", "a character device", ...: what a non-regular file is, for messages. */
export function describeKind(stat: fs.Stats): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  if (stat.isSymbolicLink()) return "a symbolic link";
  return "not a regular file";
}
