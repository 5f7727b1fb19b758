import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Every entry under `root` (hidden temp and backup files included) with its
 * type, mode and, for files, the SHA-256 of its bytes and its inode: equal
 * snapshots mean the same file set, byte for byte, with the same modes.
 * Hashes rather than bytes, so a failing comparison never prints key material.
 * A missing `root` snapshots as `{}`.
 */
export function treeSnapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(root)) return out;
  for (const rel of fs.readdirSync(root, { recursive: true }).map(String).sort()) {
    const file = path.join(root, rel);
    const st = fs.lstatSync(file);
    const mode = (st.mode & 0o777).toString(8);
    out[rel] = st.isDirectory() ? `dir ${mode}` : `file ${mode} sha256:${createHash("sha256").update(fs.readFileSync(file)).digest("hex")} ino:${st.ino}`;
  }
  return out;
}

/** The entries of `after` that are new or different from `before`, by name. */
export function changedEntries(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(after)
    .filter((k) => before[k] !== after[k])
    .sort();
}
