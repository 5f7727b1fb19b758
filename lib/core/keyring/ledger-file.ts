import { StemguardError } from "../errors";
import { readLedgerDocument, serializeLedgerDocument, writeLedgerDocument, type LedgerFileSource } from "../ledger/document";
import { parseSection } from "../ledger/section";
import { signingKeyringKind } from "./signing-kind";
import { ledgerFromSection, signingSection } from "./steps";
import type { SigningLedger } from "./types";

export type { LedgerFileSource } from "../ledger/document";

/** Where `stemguard rotate` keeps the ledger unless told otherwise. */
export const DEFAULT_LEDGER_FILE = "stemguard.rotation.json";

const CLI_LEDGER: LedgerFileSource = {
  field: "--ledger",
  missingFix: "create one with 'stemguard rotate init <key-id>' or pass --ledger PATH",
};

/** Reads and fully validates a ledger file; errors name `source.field` (the CLI's `--ledger` by default). */
export function readLedgerFile(file: string, source: LedgerFileSource = CLI_LEDGER): SigningLedger {
  const doc = readLedgerDocument(file, [signingKeyringKind], source);
  if (doc.sections.length !== 1) {
    throw new StemguardError("the file holds sections of several kinds; a signing keyring reads a file of its own", { field: source.field, value: file, fix: "pass the signing ledger (stemguard.rotation.json)" });
  }
  return ledgerFromSection(doc.sections[0]);
}

/** Writes a ledger atomically, pretty-printed so pull-request diffs stay small; an invalid ledger is never written. */
export function writeLedgerFile(file: string, ledger: SigningLedger): void {
  writeLedgerDocument(file, { sections: [signingSection(ledger)] });
}

/**
 * The canonical text of a ledger: fixed field order, one key and one step per
 * line, trailing newline, so each rotation step is a two-line pull-request diff.
 */
export function serializeLedger(ledger: SigningLedger): string {
  return serializeLedgerDocument({ sections: [signingSection(ledger)] });
}

/**
 * Validates untrusted data as a ledger: shape, ids, one algorithm, no unknown
 * field, and that `keys` is exactly what replaying `history` yields (so nobody
 * hand-edits a key from absent to active in one step).
 */
export function parseLedger(data: unknown, source = "ledger"): SigningLedger {
  return ledgerFromSection(parseSection(signingKeyringKind, data, source));
}
