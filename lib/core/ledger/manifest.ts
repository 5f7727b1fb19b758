import * as fs from "node:fs";
import * as path from "node:path";
import { StemguardError } from "../errors";
import { writeFileAtomic } from "../fs/atomic-write";
import { parseJsonText } from "../fs/read-json-file";

/** The manifest's file name, at the repository root. */
export const MANIFEST_FILE = "stemguard.json";

/** Files review treats as ledgers: each must be declared in the manifest. */
export const LEDGER_FILE_PATTERN = /^stemguard\..+\.json$/;

/** One declared ledger file and the kind(s) of its sections. */
export interface ManifestLedger {
  /** Path from the repository root, with `/`. */
  readonly file: string;
  /** Kind names (`signing-keyring`, `tls-ca`, ...), one per section. */
  readonly kinds: readonly string[];
}

/** `stemguard.json`: every ledger of the repository, so review checks them all. */
export interface LedgerManifest {
  readonly schemaVersion: 1;
  readonly ledgers: readonly ManifestLedger[];
}

const FIX = 'list each ledger as {"file": "stemguard.rotation.json", "kind": "signing-keyring"} (or "kinds": [...] for a file with sections)';

/** Validates untrusted data as a manifest (unknown fields refused, paths relative inside the repository). */
export function parseManifest(data: unknown, source: string, knownKinds: readonly string[]): LedgerManifest {
  const at = (p: string) => `${source}: ${p}`;
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new StemguardError("expected a JSON object", { field: at("(root)"), fix: FIX });
  const obj = data as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (key !== "schemaVersion" && key !== "ledgers") throw new StemguardError("unknown field in the manifest", { field: at(key), fix: "the manifest holds schemaVersion and ledgers only" });
  }
  if (obj.schemaVersion !== 1) throw new StemguardError("unsupported schemaVersion", { field: at("schemaVersion"), value: obj.schemaVersion, fix: "this stemguard reads schemaVersion 1" });
  if (!Array.isArray(obj.ledgers)) throw new StemguardError("expected a JSON array", { field: at("ledgers"), value: typeof obj.ledgers, fix: FIX });
  const files = new Set<string>();
  const ledgers = obj.ledgers.map((raw, i): ManifestLedger => {
    const field = at(`ledgers[${i}]`);
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new StemguardError("expected a JSON object", { field, fix: FIX });
    const entry = raw as Record<string, unknown>;
    for (const key of Object.keys(entry)) {
      if (key !== "file" && key !== "kind" && key !== "kinds") throw new StemguardError("unknown field in a manifest entry", { field: `${field}.${key}`, fix: FIX });
    }
    const file = entry.file;
    if (typeof file !== "string" || file === "" || path.posix.isAbsolute(file) || file.includes("\\") || file.split("/").some((p) => p === ".." || p === "." || p === "")) {
      throw new StemguardError("file must be a relative path inside the repository, with '/'", { field: `${field}.file`, value: file, fix: "e.g. stemguard.rotation.json or infra/stemguard.tls.json" });
    }
    if (files.has(file)) throw new StemguardError("file declared twice", { field: `${field}.file`, value: file, fix: 'declare a file once, with "kinds" for several sections' });
    files.add(file);
    if ((entry.kind === undefined) === (entry.kinds === undefined)) throw new StemguardError('give exactly one of "kind" and "kinds"', { field, fix: FIX });
    const kinds = entry.kinds === undefined ? [entry.kind] : entry.kinds;
    if (!Array.isArray(kinds) || kinds.length === 0 || new Set(kinds).size !== kinds.length) {
      throw new StemguardError('"kinds" must be a non-empty list of distinct kinds', { field: `${field}.kinds`, value: kinds, fix: FIX });
    }
    for (const kind of kinds) {
      if (!knownKinds.includes(kind as string)) throw new StemguardError(`unknown ledger kind; known: ${knownKinds.join(", ")}`, { field: `${field}.kind`, value: kind, fix: FIX });
    }
    return { file, kinds: kinds as string[] };
  });
  return { schemaVersion: 1, ledgers };
}

/** The canonical text of a manifest: one ledger per line. */
export function serializeManifest(manifest: LedgerManifest): string {
  const rows = manifest.ledgers.map((l) => `    ${JSON.stringify(l.kinds.length === 1 ? { file: l.file, kind: l.kinds[0] } : { file: l.file, kinds: l.kinds }).replace(/,"/g, ', "').replace(/":/g, '": ')}`);
  return `{\n  "schemaVersion": 1,\n  "ledgers": [${rows.length ? `\n${rows.join(",\n")}\n  ` : ""}]\n}\n`;
}

/** The repository root above `dir` (the nearest directory with `.git`), or `dir` itself outside a repository. */
export function repositoryRoot(dir: string): string {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, ".git"))) return d;
    if (path.dirname(d) === d) return path.resolve(dir);
  }
}

/**
 * Declares `ledgerFile` with `kind` in the manifest at the repository root
 * (created when absent; written atomically). Returns an undo that puts the
 * manifest back as it was, for a caller whose own write then fails.
 */
export function registerLedger(ledgerFile: string, kind: string, knownKinds: readonly string[]): { readonly manifestFile: string; readonly undo: () => void } {
  // No directory: the ledger's own write reports that; nothing to declare.
  if (!fs.existsSync(path.dirname(path.resolve(ledgerFile)))) return { manifestFile: "", undo: () => undefined };
  const root = repositoryRoot(path.dirname(ledgerFile));
  const manifestFile = path.join(root, MANIFEST_FILE);
  const rel = path.relative(root, path.resolve(ledgerFile)).split(path.sep).join("/");
  let before: string | undefined;
  try {
    if (fs.lstatSync(manifestFile).isSymbolicLink()) {
      throw new StemguardError("the manifest is a symlink; stemguard writes regular files only", { field: MANIFEST_FILE, value: manifestFile, fix: "replace it with a regular file" });
    }
    before = fs.readFileSync(manifestFile, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const manifest = before === undefined ? { schemaVersion: 1 as const, ledgers: [] } : parseManifest(parseJsonText(before, manifestFile, `fix ${MANIFEST_FILE} (${FIX})`), manifestFile, knownKinds);
  const existing = manifest.ledgers.find((l) => l.file === rel);
  if (existing?.kinds.includes(kind)) return { manifestFile, undo: () => undefined };
  const ledgers = existing
    ? manifest.ledgers.map((l) => (l === existing ? { file: l.file, kinds: [...l.kinds, kind] } : l))
    : [...manifest.ledgers, { file: rel, kinds: [kind] }];
  writeFileAtomic(manifestFile, serializeManifest({ schemaVersion: 1, ledgers }));
  return {
    manifestFile,
    undo: () => (before === undefined ? fs.rmSync(manifestFile, { force: true }) : writeFileAtomic(manifestFile, before)),
  };
}
