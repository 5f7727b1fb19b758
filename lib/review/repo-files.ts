import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { StemguardError } from "../core/errors";

/** Ledgers and manifests are small; anything larger is refused rather than read. */
export const MAX_LEDGER_BYTES = 64 * 1024 * 1024;

/** A file's text, or `absent` when the path holds nothing. */
export type FileRead = { readonly absent: true } | { readonly absent: false; readonly text: string };

const FETCH_FIX = "fetch the base branch with its objects (git fetch origin), or pass --base FILE";

function git(cwd: string, args: readonly string[]): Buffer {
  return execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: MAX_LEDGER_BYTES + 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
}

function gitError(err: unknown): string {
  const stderr = String((err as { stderr?: Buffer }).stderr ?? "").trim().split("\n")[0];
  return stderr === "" ? (err as Error).message.split("\n")[0] : stderr;
}

/** The repository's real top-level directory; exit 64 outside a git checkout. */
export function gitTopLevel(cwd: string): string {
  try {
    return fs.realpathSync(git(cwd, ["rev-parse", "--show-toplevel"]).toString("utf8").trim());
  } catch {
    throw new StemguardError("not a git checkout", { field: "--base-ref", value: cwd, fix: "run inside the repository, or pass --base FILE" });
  }
}

/** Checks that `ref` names a commit; exit 64 when it does not. */
export function assertGitRef(top: string, ref: string): void {
  try {
    git(top, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
  } catch {
    throw new StemguardError("unknown ref: no such commit in this checkout", { field: "--base-ref", value: ref, fix: "fetch the base branch (git fetch origin) and pass e.g. --base-ref origin/main" });
  }
}

/**
 * The text of `rel` at `ref`. Tells "absent at that ref" (ls-tree lists
 * nothing) from "git failed" (any git error, a missing object, a partial clone
 * that cannot fetch): the latter is exit 64, never treated as no file. A
 * symlink in the base tree (mode 120000) is refused.
 */
export function readAtRef(top: string, ref: string, rel: string): FileRead {
  let listing: string;
  try {
    listing = git(top, ["ls-tree", "-z", "--full-tree", ref, "--", rel]).toString("utf8");
  } catch (err) {
    throw new StemguardError(`cannot read the base: git ls-tree failed (${gitError(err)})`, { field: "--base-ref", value: `${ref}:${rel}`, fix: FETCH_FIX });
  }
  const entry = listing.split("\0").find((line) => line.endsWith(`\t${rel}`));
  if (listing === "" || entry === undefined) return { absent: true };
  const [meta] = entry.split("\t");
  const [mode, type, object] = meta.split(" ");
  if (mode === "120000") {
    throw new StemguardError("the ledger is a symlink at the base ref; a ledger must be a regular file in the repository", { field: "--base-ref", value: `${ref}:${rel}`, fix: "replace the symlink with the ledger file itself" });
  }
  if (type !== "blob") throw new StemguardError(`the ledger path is a ${type} at the base ref, not a file`, { field: "--base-ref", value: `${ref}:${rel}`, fix: "check the ledger path" });
  let blob: Buffer;
  try {
    blob = git(top, ["cat-file", "blob", object]);
  } catch (err) {
    throw new StemguardError(`cannot read the base: git cat-file failed (${gitError(err)})`, { field: "--base-ref", value: `${ref}:${rel}`, fix: FETCH_FIX });
  }
  if (blob.length > MAX_LEDGER_BYTES) throw new StemguardError(`the base ledger is larger than ${MAX_LEDGER_BYTES} bytes`, { field: "--base-ref", value: `${ref}:${rel}`, fix: "check the file" });
  return { absent: false, text: blob.toString("utf8") };
}

/**
 * The path of `file` from the repository's real top level, through the real
 * path of its directory; exit 64 when it lies outside the repository.
 */
export function repoRelativePath(top: string, file: string, field: string): string {
  let dir = path.dirname(path.resolve(file));
  try {
    dir = fs.realpathSync(dir);
  } catch {
    // A missing directory: the lexical path decides.
  }
  const rel = path.relative(top, path.join(dir, path.basename(file)));
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new StemguardError("the ledger lies outside the repository", { field, value: file, fix: `keep ledgers inside ${top}` });
  }
  return rel.split(path.sep).join("/");
}

/**
 * Reads `rel` of the working tree as a ledger: refuses a symlink (lstat), a
 * path that goes through a symlinked directory or outside `top` (real path),
 * and anything but a regular file of bounded size (exit 64).
 */
export function readInRepo(top: string, rel: string, field: string): FileRead {
  const file = path.join(top, ...rel.split("/"));
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") return { absent: true };
    throw new StemguardError(`cannot read the ledger (${(err as NodeJS.ErrnoException).code})`, { field, value: rel, fix: "check the path and permissions" });
  }
  if (stat.isSymbolicLink()) throw new StemguardError("the ledger is a symlink; a ledger must be a regular file in the repository", { field, value: rel, fix: "replace the symlink with the ledger file itself" });
  if (!stat.isFile()) throw new StemguardError("the ledger is not a regular file", { field, value: rel, fix: "check the path" });
  if (fs.realpathSync(file) !== file) {
    throw new StemguardError("the ledger path goes through a symlink or outside the repository", { field, value: rel, fix: `keep ledgers as regular files inside ${top}, reached without symlinks` });
  }
  if (stat.size > MAX_LEDGER_BYTES) throw new StemguardError(`the ledger is larger than ${MAX_LEDGER_BYTES} bytes`, { field, value: rel, fix: "check the file" });
  return { absent: false, text: fs.readFileSync(file, "utf8") };
}

/** Reads a file given on the command line (`--base FILE`): regular files only, bounded size. */
export function readGivenFile(file: string, field: string): FileRead {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { absent: true };
    throw new StemguardError(`cannot read the file (${(err as NodeJS.ErrnoException).code})`, { field, value: file, fix: "check the path and permissions" });
  }
  if (!stat.isFile()) throw new StemguardError("not a regular file", { field, value: file, fix: "pass a ledger file" });
  if (stat.size > MAX_LEDGER_BYTES) throw new StemguardError(`larger than ${MAX_LEDGER_BYTES} bytes`, { field, value: file, fix: "check the file" });
  return { absent: false, text: fs.readFileSync(file, "utf8") };
}

/** Files of the repository named like ledgers (`stemguard.*.json`): tracked, or untracked and not ignored. */
export function ledgerLikeFiles(top: string, pattern: RegExp): string[] {
  let listing: string;
  try {
    listing = git(top, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]).toString("utf8");
  } catch (err) {
    throw new StemguardError(`cannot list the repository's files (${gitError(err)})`, { field: "--base-ref", fix: "run inside a healthy git checkout" });
  }
  return [...new Set(listing.split("\0").filter((f) => f !== "" && pattern.test(path.posix.basename(f))))].sort();
}
