import * as fs from "node:fs";
import * as path from "node:path";

export interface AtomicWriteOptions {
  /**
   * File mode of the written file.
   *
   * @default 0o644
   */
  readonly mode?: number;
}

/**
 * Writes `data` to `file` so that readers see the old content or the new one,
 * never a half-written file: write a temp file in the same directory, fsync,
 * then rename over the target.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const mode = options.mode ?? 0o644;
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, "wx", mode);
    if (typeof data === "string") fs.writeSync(fd, data);
    else fs.writeSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.chmodSync(tmp, mode); // umask may have narrowed or widened the mode
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
