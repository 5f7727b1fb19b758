import { StemguardError } from "../core/errors";
import { parseJsonText } from "../core/fs/read-json-file";
import { parseLedgerDocument, type LedgerDocument } from "../core/ledger/document";
import type { AnyLedgerKind } from "../core/ledger/kind";
import { LEDGER_FILE_PATTERN, MANIFEST_FILE, parseManifest, type LedgerManifest } from "../core/ledger/manifest";
import { emptySection } from "../core/ledger/section";
import { LEDGER_KIND_NAMES, LEDGER_KINDS } from "./ledger-kinds";
import { invalidLedgerReview, reviewPullRequest, reviewSection, type LedgerReview, type PullRequestReview } from "./ledger-review";
import type { FileRead } from "./repo-files";

/** A ledger file's text parsed, or why it could not be (never echoing a file that is not a ledger). */
type Parsed = { readonly doc: LedgerDocument } | { readonly problem: string };

/** Parses a ledger file's text with the known kinds; a file that is not JSON is described, not shown. */
export function parseLedgerText(text: string, label: string, kinds: readonly AnyLedgerKind[] = LEDGER_KINDS): Parsed {
  let data: unknown;
  try {
    data = parseJsonText(text, label, "");
  } catch {
    return { problem: `${label} is not valid JSON (content not shown). Fix: restore the file from version control; edit ledgers only with stemguard` };
  }
  try {
    return { doc: parseLedgerDocument(data, label, kinds) };
  } catch (err) {
    if (err instanceof StemguardError) return { problem: err.message };
    throw err;
  }
}

/**
 * Reviews one ledger file: every section (or the `declared` kinds) of head
 * against base. A missing, unparsable or hand-edited ledger is an `invalid`
 * review (exit 1), not an error.
 */
export function reviewLedgerFile(file: string, base: FileRead, head: FileRead, declared?: readonly string[]): LedgerReview[] {
  const kindLabel = declared?.join(",") ?? "ledger";
  if (head.absent) {
    return [invalidLedgerReview(file, kindLabel, declared ? "declared in stemguard.json but missing in this pull request. Fix: restore the ledger, or remove it from stemguard.json in a change of its own" : "deleted in this pull request. Fix: restore the ledger from the base branch")];
  }
  const parsedHead = parseLedgerText(head.text, file);
  if ("problem" in parsedHead) return [invalidLedgerReview(file, kindLabel, parsedHead.problem)];
  const parsedBase = base.absent ? undefined : parseLedgerText(base.text, `${file} (base)`);
  if (parsedBase && "problem" in parsedBase) return [invalidLedgerReview(file, kindLabel, `the base branch's ledger does not parse: ${parsedBase.problem}`)];
  const headDoc = parsedHead.doc;
  const baseDoc = parsedBase?.doc;
  const reviews: LedgerReview[] = [];
  const kinds = declared ?? headDoc.sections.map((s) => s.kind.name);
  for (const section of headDoc.sections) {
    if (!kinds.includes(section.kind.name)) reviews.push(invalidLedgerReview(file, section.kind.name, `holds a ${section.kind.name} section that stemguard.json does not declare. Fix: declare the kind in stemguard.json`));
  }
  for (const name of kinds) {
    const headSection = headDoc.sections.find((s) => s.kind.name === name);
    if (!headSection) {
      reviews.push(invalidLedgerReview(file, name, `has no ${name} section, which stemguard.json declares. Fix: restore the section from the base branch`));
      continue;
    }
    const baseSection = baseDoc?.sections.find((s) => s.kind.name === name) ?? emptySection(headSection.kind, headSection.options);
    reviews.push(reviewSection(baseSection, headSection, file));
  }
  for (const section of baseDoc?.sections ?? []) {
    if (!headDoc.sections.some((s) => s.kind === section.kind)) reviews.push(invalidLedgerReview(file, section.kind.name, `the ${section.kind.name} section was removed. Fix: restore it from the base branch`));
  }
  return reviews;
}

/** How the repository-wide review reads files: the working tree (head) and the base ref. */
export interface RepoReader {
  readonly head: (rel: string) => FileRead;
  readonly base: (rel: string) => FileRead;
  /** Files named `stemguard.*.json` in the repository (tracked, or untracked and not ignored). */
  readonly ledgerLikeFiles: () => readonly string[];
}

/**
 * Reviews every ledger `stemguard.json` declares, in one verdict: fails on an
 * undeclared `stemguard.*.json`, on a declared ledger missing at head, on a
 * ledger declared at base but no longer, and on more than one step across all
 * ledgers and kinds.
 */
export function reviewRepository(reader: RepoReader): PullRequestReview {
  const manifestText = reader.head(MANIFEST_FILE);
  if (manifestText.absent) {
    throw new StemguardError("no stemguard.json at the repository root: nothing says which ledgers to review", {
      field: MANIFEST_FILE,
      fix: "'stemguard rotate init' and 'stemguard tls ca init' create it; or pass --ledger FILE to review one ledger",
    });
  }
  const reviews: LedgerReview[] = [];
  const manifest = parseManifestText(manifestText.text, MANIFEST_FILE);
  if ("problem" in manifest) return reviewPullRequest([invalidLedgerReview(MANIFEST_FILE, "manifest", manifest.problem)]);
  const baseManifestText = reader.base(MANIFEST_FILE);
  const baseManifest = baseManifestText.absent ? undefined : parseManifestText(baseManifestText.text, `${MANIFEST_FILE} (base)`);
  if (baseManifest && !("problem" in baseManifest)) {
    for (const old of baseManifest.ledgers) {
      const now = manifest.ledgers.find((l) => l.file === old.file);
      const dropped = old.kinds.filter((k) => !now?.kinds.includes(k));
      if (dropped.length > 0) reviews.push(invalidLedgerReview(old.file, dropped.join(","), `declared on the base branch (${dropped.join(", ")}) but no longer in stemguard.json. Fix: keep every ledger declared; retiring a ledger is a change of its own`));
    }
  }
  const declared = new Set(manifest.ledgers.map((l) => l.file));
  for (const file of reader.ledgerLikeFiles()) {
    if (!declared.has(file)) reviews.push(invalidLedgerReview(file, "undeclared", `is named like a ledger but stemguard.json does not declare it, so no review would check it. Fix: add {"file": "${file}", "kind": "..."} to stemguard.json, or rename the file`));
  }
  for (const ledger of manifest.ledgers) {
    reviews.push(...reviewLedgerFile(ledger.file, reader.base(ledger.file), reader.head(ledger.file), ledger.kinds));
  }
  return reviewPullRequest(reviews);
}

function parseManifestText(text: string, label: string): LedgerManifest | { problem: string } {
  try {
    return parseManifest(parseJsonText(text, label, ""), label, LEDGER_KIND_NAMES);
  } catch (err) {
    if (!(err instanceof StemguardError)) throw err;
    return { problem: err.message.includes("not valid JSON") ? `${label} is not valid JSON (content not shown)` : err.message };
  }
}

export { LEDGER_FILE_PATTERN };
